from __future__ import annotations

import os
import time
from datetime import timedelta

from sqlalchemy import func, select, update

from channels.base import Attachment as FileIn
from channels.base import ChannelName, Identity, IdentityKind
from inbox.actions.purge import do_purge
from inbox.models import (
    Attachment,
    Contact,
    ContactIdentity,
    Conversation,
    Event,
    Message,
    Quarantine,
    RawPayload,
    utcnow,
)
from tests.support.factories import inbound, ingest
from workers.context import JobContext

NOW = utcnow()
LONG_AGO = NOW - timedelta(days=3 * 365)
SHARED = b"%PDF shared by two customers"
ONLY_OLD = b"%PDF only in the old conversation"


def _age_files(ctx: JobContext, hours: float = 2) -> None:
    """Files written by the test are as old as the rows that point at them would be."""
    then = time.time() - hours * 3600
    for digest, _ in ctx.blobs.stored():
        os.utime(ctx.blobs.path_for(digest), (then, then))


async def _count(ctx: JobContext, model: type, *where: object) -> int:
    async with ctx.store.read() as session:
        return int((await session.execute(select(func.count()).select_from(model).where(*where))).scalar_one())


async def _seed(ctx: JobContext) -> dict[str, int]:
    old = await ingest(
        ctx,
        inbound(
            external_id="old@x",
            attachments=(FileIn("a.pdf", "application/pdf", SHARED), FileIn("b.pdf", "application/pdf", ONLY_OLD)),
        ),
    )
    recent = await ingest(
        ctx,
        inbound(
            external_id="new@x",
            sender=Identity(IdentityKind.EMAIL, "bob@example.com"),
            attachments=(FileIn("a.pdf", "application/pdf", SHARED),),
        ),
    )
    stale_visitor = await ingest(ctx, inbound(ChannelName.WEBCHAT, "chat-1", Identity(IdentityKind.WEBCHAT, "v-1")))
    fresh_visitor = await ingest(ctx, inbound(ChannelName.WEBCHAT, "chat-2", Identity(IdentityKind.WEBCHAT, "v-2")))
    known_visitor = await ingest(ctx, inbound(ChannelName.WEBCHAT, "chat-3", Identity(IdentityKind.WEBCHAT, "v-3")))
    old_raw_file = ctx.blobs.put_sync(b"a large raw payload kept as a file")
    async with ctx.store.write() as session:
        await session.execute(
            update(Conversation)
            .where(Conversation.id == old.conversation_id)
            .values(status="resolved", resolved_at=LONG_AGO)
        )
        for outcome in (stale_visitor, known_visitor):
            await session.execute(
                update(Contact)
                .where(Contact.id == outcome.contact_id)
                .values(last_inbound_at=LONG_AGO, created_at=LONG_AGO)
            )
            await session.execute(
                update(Conversation)
                .where(Conversation.contact_id == outcome.contact_id)
                .values(last_message_at=LONG_AGO)
            )
        session.add(ContactIdentity(contact_id=known_visitor.contact_id, kind="email", value="v3@example.com"))
        session.add_all(
            [
                RawPayload(
                    sha256=old_raw_file, channel="email", size=10, content=None, stored_at=NOW - timedelta(days=91)
                ),
                RawPayload(sha256="b" * 64, channel="sms", size=3, content=b"old", stored_at=NOW - timedelta(days=91)),
                RawPayload(sha256="c" * 64, channel="sms", size=3, content=b"new", stored_at=NOW - timedelta(days=89)),
                Event(kind="old.thing", data={}, created_at=NOW - timedelta(days=8 * 365)),
                Quarantine(channel="email", raw_sha256="d" * 64, reason="x", created_at=NOW - timedelta(days=91)),
                Quarantine(channel="email", raw_sha256="e" * 64, reason="y", created_at=NOW - timedelta(days=10)),
            ]
        )
    orphan = ctx.blobs.put_sync(b"left behind by a crash")
    _age_files(ctx)
    return {
        "old_conversation": old.conversation_id,
        "recent_conversation": recent.conversation_id,
        "stale_visitor": stale_visitor.contact_id,
        "fresh_visitor": fresh_visitor.contact_id,
        "known_visitor": known_visitor.contact_id,
        "old_raw_file": old_raw_file,  # type: ignore[dict-item]
        "orphan": orphan,  # type: ignore[dict-item]
    }


async def test_purge_removes_exactly_what_expired_rows_and_files(ctx: JobContext) -> None:
    seeded = await _seed(ctx)
    fresh_orphan = ctx.blobs.put_sync(b"a file whose row is about to be committed")
    raws_before = await _count(ctx, RawPayload)

    dry = await do_purge(ctx.store, ctx.blobs, ctx.settings, dry_run=True)
    assert await _count(ctx, RawPayload) == raws_before  # a dry run changes nothing
    report = await do_purge(ctx.store, ctx.blobs, ctx.settings)

    kinds = report.kinds
    assert (kinds["attachments"].rows, kinds["attachments"].files) == (2, 1)
    assert (kinds["raw_payloads"].rows, kinds["raw_payloads"].files) == (2, 1)
    assert (kinds["chat_visitors"].rows, kinds["chat_visitors"].conversations, kinds["chat_visitors"].messages) == (
        1,
        1,
        1,
    )
    assert kinds["quarantine"].rows == 1 and kinds["audit_log"].rows == 1
    assert kinds["orphan_files"].files == 1
    for kind in ("attachments", "raw_payloads", "chat_visitors", "quarantine", "audit_log"):
        assert vars(dry.kinds[kind])["rows"] == kinds[kind].rows, kind
    assert dry.kinds["orphan_files"].files == 1

    # Rows: the old conversation keeps its messages, only the attachments went.
    assert await _count(ctx, Attachment) == 1
    assert await _count(ctx, Message, Message.conversation_id == seeded["old_conversation"]) == 1
    assert await _count(ctx, Contact, Contact.id == seeded["stale_visitor"]) == 0
    assert await _count(ctx, ContactIdentity, ContactIdentity.contact_id == seeded["stale_visitor"]) == 0
    assert await _count(ctx, Contact, Contact.id.in_([seeded["fresh_visitor"], seeded["known_visitor"]])) == 2
    assert await _count(ctx, RawPayload, RawPayload.sha256.in_(["b" * 64, str(seeded["old_raw_file"])])) == 0
    assert await _count(ctx, RawPayload, RawPayload.sha256 == "c" * 64) == 1
    assert await _count(ctx, Quarantine) == 1
    assert await _count(ctx, Event, Event.kind == "old.thing") == 0
    # Files: the shared one stays for the recent conversation; the fresh orphan waits for its grace period.
    assert ctx.blobs.exists(FileIn("a", "b", SHARED).sha256)
    assert not ctx.blobs.exists(FileIn("a", "b", ONLY_OLD).sha256)
    assert not ctx.blobs.exists(str(seeded["old_raw_file"])) and not ctx.blobs.exists(str(seeded["orphan"]))
    assert ctx.blobs.exists(fresh_orphan)

    async with ctx.store.read() as session:
        logged = (await session.execute(select(Event).where(Event.kind == "privacy.purged"))).scalar_one()
    assert logged.data["counts"]["attachments"] == {"rows": 2, "files": 1}

    again = await do_purge(ctx.store, ctx.blobs, ctx.settings)
    assert again.nothing


async def test_a_dry_run_on_a_clean_store_finds_nothing(ctx: JobContext) -> None:
    await ingest(ctx, inbound())
    report = await do_purge(ctx.store, ctx.blobs, ctx.settings, dry_run=True)
    assert report.nothing and report.dry_run

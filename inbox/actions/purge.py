"""Destroying what outlived its retention period: rows in short batches, then the files no row needs any more.

Each batch is its own transaction, so the hub keeps serving while a large backlog drains, and an interrupted run
loses nothing: the next one carries on where it stopped. A dry run counts what would go and changes nothing.
Each real run writes its counts to the audit trail; the audit trail itself is trimmed only here, by its own
retention period.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, select

from inbox import audit
from inbox.blobs import BlobStore
from inbox.file_refs import orphaned_files, release_files
from inbox.models import Attachment, Contact, Conversation, Event, Message, Quarantine, RawPayload, utcnow
from inbox.retention import (
    Cutoffs,
    expired_attachments,
    expired_chat_visitors,
    expired_events,
    expired_quarantine,
    expired_raw_payloads,
)
from inbox.settings import Settings
from inbox.store import Store

KINDS = ("raw_payloads", "attachments", "chat_visitors", "quarantine", "audit_log", "orphan_files")


@dataclass
class Purged:
    rows: int = 0
    files: int = 0
    # For chat visitors: the conversations and messages that went with them.
    conversations: int = 0
    messages: int = 0


@dataclass
class PurgeReport:
    dry_run: bool
    kinds: dict[str, Purged] = field(default_factory=lambda: {kind: Purged() for kind in KINDS})

    @property
    def nothing(self) -> bool:
        return all(p.rows == 0 and p.files == 0 for p in self.kinds.values())


@dataclass(frozen=True)
class _Run:
    store: Store
    blobs: BlobStore
    cutoffs: Cutoffs
    batch: int
    grace_seconds: float


async def do_purge(
    store: Store, blobs: BlobStore, settings: Settings, *, dry_run: bool = False, now: datetime | None = None
) -> PurgeReport:
    privacy = settings.privacy
    run = _Run(
        store, blobs, Cutoffs.at(now or utcnow(), privacy), privacy.purge_batch_size, privacy.file_grace_minutes * 60.0
    )
    report = PurgeReport(dry_run)
    if dry_run:
        await _count(run, report)
        return report
    steps: list[tuple[str, Callable[[_Run, Purged], Awaitable[None]]]] = [
        ("raw_payloads", _purge_raw_payloads),
        ("attachments", _purge_attachments),
        ("chat_visitors", _purge_chat_visitors),
        ("quarantine", _purge_quarantine),
        ("audit_log", _purge_events),
        ("orphan_files", _purge_orphans),
    ]
    for kind, step in steps:
        await step(run, report.kinds[kind])
    async with store.write() as session:
        audit.record(
            session,
            "privacy.purged",
            counts={kind: {k: v for k, v in vars(p).items() if v} for kind, p in report.kinds.items()},
        )
    return report


async def _count(run: _Run, report: PurgeReport) -> None:
    async def rows(query: Select[*tuple[Any, ...]]) -> int:
        async with run.store.read() as session:
            return int((await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one())

    cut = run.cutoffs
    report.kinds["raw_payloads"].rows = await rows(expired_raw_payloads(cut))
    report.kinds["attachments"].rows = await rows(expired_attachments(cut))
    visitors = expired_chat_visitors(cut)
    report.kinds["chat_visitors"].rows = await rows(visitors)
    conversations = select(Conversation.id).where(Conversation.contact_id.in_(visitors))
    report.kinds["chat_visitors"].conversations = await rows(conversations)
    report.kinds["chat_visitors"].messages = await rows(
        select(Message.id).where(Message.conversation_id.in_(conversations))
    )
    report.kinds["quarantine"].rows = await rows(expired_quarantine(cut))
    report.kinds["audit_log"].rows = await rows(expired_events(cut))
    report.kinds["orphan_files"].files = len(
        await orphaned_files(run.store, run.blobs, grace_seconds=run.grace_seconds)
    )


async def _purge_raw_payloads(run: _Run, purged: Purged) -> None:
    while True:
        async with run.store.write() as session:
            found = (await session.execute(expired_raw_payloads(run.cutoffs).limit(run.batch))).all()
            if not found:
                return
            await session.execute(delete(RawPayload).where(RawPayload.sha256.in_([row[0] for row in found])))
        purged.rows += len(found)
        files = [digest for digest, is_file in found if is_file]
        purged.files += await release_files(run.store, run.blobs, files, grace_seconds=run.grace_seconds)


async def _purge_attachments(run: _Run, purged: Purged) -> None:
    while True:
        async with run.store.write() as session:
            found = (await session.execute(expired_attachments(run.cutoffs).limit(run.batch))).all()
            if not found:
                return
            await session.execute(delete(Attachment).where(Attachment.id.in_([row[0] for row in found])))
        purged.rows += len(found)
        digests = [digest for _, digest in found]
        purged.files += await release_files(run.store, run.blobs, digests, grace_seconds=run.grace_seconds)


async def _purge_chat_visitors(run: _Run, purged: Purged) -> None:
    while True:
        async with run.store.write() as session:
            ids = list((await session.execute(expired_chat_visitors(run.cutoffs).limit(run.batch))).scalars())
            if not ids:
                return
            conversations = select(Conversation.id).where(Conversation.contact_id.in_(ids))
            messages = select(Message.id).where(Message.conversation_id.in_(conversations))
            raws = (
                await session.execute(
                    select(Message.raw_sha256).where(
                        Message.conversation_id.in_(conversations), Message.raw_sha256.is_not(None)
                    )
                )
            ).scalars()
            raw_digests = sorted({digest for digest in raws if digest})
            attachments = await session.execute(select(Attachment.sha256).where(Attachment.message_id.in_(messages)))
            files = set(attachments.scalars())
            purged.conversations += int(
                (await session.execute(select(func.count()).select_from(conversations.subquery()))).scalar_one()
            )
            purged.messages += int(
                (await session.execute(select(func.count()).select_from(messages.subquery()))).scalar_one()
            )
            for start in range(0, len(raw_digests), 500):
                await session.execute(delete(RawPayload).where(RawPayload.sha256.in_(raw_digests[start : start + 500])))
            # Conversations, messages, attachments and identities go with the customer (ON DELETE CASCADE).
            await session.execute(delete(Contact).where(Contact.id.in_(ids)))
        purged.rows += len(ids)
        purged.files += await release_files(
            run.store, run.blobs, [*files, *raw_digests], grace_seconds=run.grace_seconds
        )


async def _purge_quarantine(run: _Run, purged: Purged) -> None:
    while True:
        async with run.store.write() as session:
            ids = list((await session.execute(expired_quarantine(run.cutoffs).limit(run.batch))).scalars())
            if not ids:
                return
            await session.execute(delete(Quarantine).where(Quarantine.id.in_(ids)))
        purged.rows += len(ids)


async def _purge_events(run: _Run, purged: Purged) -> None:
    while True:
        async with run.store.write() as session:
            ids = list((await session.execute(expired_events(run.cutoffs).limit(run.batch))).scalars())
            if not ids:
                return
            await session.execute(delete(Event).where(Event.id.in_(ids)))
        purged.rows += len(ids)


async def _purge_orphans(run: _Run, purged: Purged) -> None:
    for digest in await orphaned_files(run.store, run.blobs, grace_seconds=run.grace_seconds):
        if run.blobs.remove(digest):
            purged.files += 1

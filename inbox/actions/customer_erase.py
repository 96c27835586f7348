"""Erasing a customer at their request: what they wrote and who they are goes, the shape of the work stays.

Messages keep their place in conversations (agents' workload and the figures stay true) with their text replaced by
a tombstone; identities, personal and sensitive fields, attachments and raw payloads are destroyed, and files
follow once no other row needs them. Records merged into the customer are erased with it. Nothing is copied
aside, so an erasure cannot be undone; the audit trail records that it happened, by whom, and how much went.
Only an admin (or the system, running the ``hub`` command) may erase.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from inbox import audit
from inbox.actions.privacy import require_admin
from inbox.blobs import BlobStore
from inbox.customer_archive import COVERED
from inbox.file_refs import release_files
from inbox.models import (
    Attachment,
    Base,
    Contact,
    ContactIdentity,
    Conversation,
    Message,
    RawPayload,
    utcnow,
)
from inbox.store import Store

TOMBSTONE = "[erased at the customer's request]"
# SQLite's full-text indexes (migration 0004), merged after an erasure.
SEARCH_INDEXES = ("search_messages", "search_contacts")
UNSENT = ("queued", "sending")


class EraseRefused(Exception):
    pass


@dataclass(frozen=True)
class ErasureSummary:
    contact_ids: list[int]
    messages: int
    identities: int
    attachments: int
    raw_payloads: int
    files: int


async def do_erase_customer(
    store: Store, blobs: BlobStore, contact_id: int, *, actor_agent_id: int | None
) -> ErasureSummary:
    async with store.write() as session:
        await require_admin(session, actor_agent_id)
        contact = await session.get(Contact, contact_id)
        if contact is None:
            raise EraseRefused(f"no customer {contact_id}")
        if contact.merged_into_id is not None:
            raise EraseRefused(f"customer {contact_id} was merged into {contact.merged_into_id}; erase that record")
        merged = (await session.execute(select(Contact.id).where(Contact.merged_into_id == contact_id))).scalars()
        ids = [contact_id, *merged]
        conversations = select(Conversation.id).where(Conversation.contact_id.in_(ids))
        messages = select(Message.id).where(Message.conversation_id.in_(conversations))
        digests = set(
            (await session.execute(select(Attachment.sha256).where(Attachment.message_id.in_(messages)))).scalars()
        )
        raws = set(
            (
                await session.execute(
                    select(Message.raw_sha256).where(
                        Message.conversation_id.in_(conversations), Message.raw_sha256.is_not(None)
                    )
                )
            ).scalars()
        )
        raw_digests = sorted(d for d in raws if d)
        counts = await _erase_rows(session, ids, conversations, messages, raw_digests)
        audit.record(
            session,
            "contact.erased",
            actor_agent_id=actor_agent_id,
            contact_id=contact_id,
            merged_records=ids[1:],
            **counts,
        )
    # Erasure is explicit and rare: its files go at once rather than after the purge's grace period.
    files = await release_files(store, blobs, [*digests, *raw_digests], grace_seconds=0)
    if store.is_sqlite:
        await _scrub_sqlite_file(store)
    return ErasureSummary(contact_ids=ids, files=files, **counts)


async def _scrub_sqlite_file(store: Store) -> None:
    """Leave no erased byte recoverable from the SQLite files.

    The connections run with ``secure_delete`` on, so rows, cells and pages the erasure freed were overwritten
    with zeros, but three copies remain: the search indexes' older segments (FTS5 marks a deleted row rather than
    rewriting what indexed it), and the write-ahead log, whose frames keep the pages as they were before. Merging
    each index into one segment frees the old ones (zeroed in turn); a truncating checkpoint then copies the
    scrubbed pages into the database file and empties the log. Erasure is rare and explicit, so the cost of
    rewriting the indexes is paid then rather than left to chance.
    """
    async with store.write() as session:
        for index in SEARCH_INDEXES:
            await session.execute(text(f"INSERT INTO {index} ({index}) VALUES ('optimize')"))
    async with store.writer.connect() as connection:
        # Outside any transaction: a checkpoint cannot run inside one.
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        await driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")


async def _erase_rows(
    session: AsyncSession, ids: list[int], conversations: Any, messages: Any, raws: list[str]
) -> dict[str, int]:
    # A reply still waiting to go out must not go out as a tombstone.
    await session.execute(
        update(Message)
        .where(Message.conversation_id.in_(conversations), Message.delivery_status.in_(UNSENT))
        .values(delivery_status="failed")
    )
    erased_messages = await session.execute(
        update(Message)
        .where(Message.conversation_id.in_(conversations))
        .values(
            text=TOMBSTONE, html=None, subject=None, recipient=None, failure_reason=None, details={}, raw_sha256=None
        )
    )
    attachments = await session.execute(delete(Attachment).where(Attachment.message_id.in_(messages)))
    raw_rows = 0
    for start in range(0, len(raws), 500):
        result = await session.execute(delete(RawPayload).where(RawPayload.sha256.in_(raws[start : start + 500])))
        raw_rows += _rowcount(result)
    await session.execute(update(Conversation).where(Conversation.contact_id.in_(ids)).values(subject=None))
    identities = await session.execute(delete(ContactIdentity).where(ContactIdentity.contact_id.in_(ids)))
    for table in Base.metadata.sorted_tables:
        if table.name not in COVERED and "contact_id" in table.c:
            await _erase_other(session, table, ids)
    await session.execute(
        update(Contact)
        .where(Contact.id.in_(ids))
        .values(
            name=None,
            language=None,
            timezone=None,
            preferred_channel=None,
            consent={},
            custom_attributes={},
            sensitive_fields=None,
            last_inbound_channel=None,
            erased_at=utcnow(),
        )
    )
    return {
        "messages": _rowcount(erased_messages),
        "identities": _rowcount(identities),
        "attachments": _rowcount(attachments),
        "raw_payloads": raw_rows,
    }


async def _erase_other(session: AsyncSession, table: Table, ids: list[int]) -> None:
    """Rows other parts of the hub keep about the customer (survey answers, deliveries): personal, so they go."""
    await session.execute(delete(table).where(table.c.contact_id.in_(ids)))


def _rowcount(result: Any) -> int:
    return int(result.rowcount or 0)

"""Everything the store holds about one customer, gathered for the customer's own copy (read only).

Besides the customer's record, identities, conversations, messages, attachments and raw payloads, any other table
with a ``contact_id`` column (survey answers, campaign deliveries, …) is included as it stands, so data kept by
parts of the hub added later is not left out of the copy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from inbox.crypto.sealed_record import SealedRecord
from inbox.models import Attachment, Base, Contact, ContactIdentity, Conversation, Event, Message, RawPayload

# Tables gathered explicitly; every other table with a contact_id column is gathered generically.
COVERED = frozenset({"contacts", "contact_identities", "conversations", "events"})


def plain(value: Any) -> Any:
    """JSON-ready form of a column value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return None
    return value


def as_dict(row: Base) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for column in inspect(row).mapper.column_attrs:
        value, kind = getattr(row, column.key), column.columns[0].type
        if isinstance(kind, SealedRecord):
            # Values sealed together are the customer's fields one by one.
            values.update({name: plain(item) for name, item in kind.values_of(value).items()})
        else:
            values[column.key] = plain(value)
    return values


@dataclass
class CustomerArchive:
    contact_ids: list[int]
    profile: dict[str, Any]
    merged_records: list[dict[str, Any]]
    identities: list[dict[str, Any]]
    conversations: list[dict[str, Any]]
    # (archive path, blob digest) of every attachment file and raw payload kept as a file.
    files: list[tuple[str, str]] = field(default_factory=list)
    # (archive path, bytes) of raw payloads kept in their rows.
    inline_files: list[tuple[str, bytes]] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)
    other: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


async def gather(session: AsyncSession, contact: Contact) -> CustomerArchive:
    merged = list((await session.execute(select(Contact).where(Contact.merged_into_id == contact.id))).scalars())
    ids = [contact.id, *(m.id for m in merged)]
    identities = (await session.execute(select(ContactIdentity).where(ContactIdentity.contact_id.in_(ids)))).scalars()
    archive = CustomerArchive(
        contact_ids=ids,
        profile=as_dict(contact),
        merged_records=[as_dict(m) for m in merged],
        identities=[as_dict(i) for i in identities],
        conversations=[],
    )
    conversations = list(
        (
            await session.execute(
                select(Conversation).where(Conversation.contact_id.in_(ids)).order_by(Conversation.id)
            )
        ).scalars()
    )
    for conversation in conversations:
        archive.conversations.append(await _conversation(session, conversation, archive))
    conversation_ids = [c.id for c in conversations]
    events = await session.execute(
        select(Event)
        .where(or_(Event.contact_id.in_(ids), Event.conversation_id.in_(conversation_ids)))
        .order_by(Event.id)
    )
    archive.audit = [as_dict(e) for e in events.scalars()]
    for table in Base.metadata.sorted_tables:
        if table.name not in COVERED and "contact_id" in table.c:
            rows = await session.execute(select(table).where(table.c.contact_id.in_(ids)))
            found = [{key: plain(value) for key, value in row._mapping.items()} for row in rows]
            if found:
                archive.other[table.name] = found
    return archive


async def _conversation(session: AsyncSession, conversation: Conversation, archive: CustomerArchive) -> dict[str, Any]:
    messages = list(
        (
            await session.execute(
                select(Message).where(Message.conversation_id == conversation.id).order_by(Message.id)
            )
        ).scalars()
    )
    ids = [m.id for m in messages]
    attachments = (await session.execute(select(Attachment).where(Attachment.message_id.in_(ids)))).scalars()
    by_message: dict[int, list[dict[str, Any]]] = {}
    for item in attachments:
        path = f"attachments/{item.id}-{_safe(item.filename)}"
        archive.files.append((path, item.sha256))
        by_message.setdefault(item.message_id, []).append({**as_dict(item), "archive_path": path})
    entries = []
    for message in messages:
        entry = as_dict(message)
        entry["attachments"] = by_message.get(message.id, [])
        if message.raw_sha256:
            raw = await session.get(RawPayload, message.raw_sha256)
            if raw is not None:
                path = f"raw/{raw.sha256}"
                entry["raw_archive_path"] = path
                if raw.content is not None:
                    archive.inline_files.append((path, raw.content))
                else:
                    archive.files.append((path, raw.sha256))
        entries.append(entry)
    return {**as_dict(conversation), "messages": entries}


def _safe(filename: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "._- " else "_" for c in filename).strip(". ")
    return cleaned[:120] or "file"

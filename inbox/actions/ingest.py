"""Storing an inbound message: the one write path every channel's input goes through.

In one transaction: find or create the customer by identity, thread into a conversation, store the message and its
attachments, audit, and queue the routing job. Idempotent on (channel, external id): the same message delivered
twice, or by twenty concurrent tasks, is stored once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from channels.base import InboundMessage
from inbox import audit, outbox, queries
from inbox.actions.quarantine import do_quarantine
from inbox.blobs import BlobStore
from inbox.contact_lookup import find_or_create_contact
from inbox.models import Attachment, Contact, Conversation, ConversationStatus, Direction, Message, utcnow
from inbox.raw_payloads import keep_raw
from inbox.settings import Settings
from inbox.store import Store
from inbox.threading import find_thread
from inbox.upsert import insert_if_absent


class IngestRejected(Exception):
    """The message cannot be stored as a conversation message; it was quarantined with this reason."""

    def __init__(self, reason: str, quarantine_id: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.quarantine_id = quarantine_id


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    message_id: int
    conversation_id: int
    contact_id: int
    created: bool
    new_conversation: bool = False
    thread_reason: str = ""


class _AlreadyStored(Exception):
    pass


def _size_of(message: InboundMessage) -> int:
    body = len(message.text.encode()) + len((message.html or "").encode())
    return max(len(message.raw), body) + sum(item.size for item in message.attachments)


def _problem(message: InboundMessage, settings: Settings) -> str | None:
    if message.sender is None or not message.sender.value:
        return "the message has no usable sender identity (no address or number to answer)"
    if not message.external_id:
        return "the message has no external id, so a redelivery could not be recognised"
    limit = settings.ingest.max_body_bytes
    if (size := _size_of(message)) > limit:
        return f"the message is {size} bytes, over the configured limit of {limit} bytes"
    return None


def _raw_bytes(message: InboundMessage) -> bytes:
    return message.raw or repr(message).encode()


async def do_ingest(
    store: Store, blobs: BlobStore, settings: Settings, message: InboundMessage
) -> IngestOutcome:
    if (problem := _problem(message, settings)) is not None:
        quarantine_id = await do_quarantine(store, blobs, message.channel.value, _raw_bytes(message), problem)
        raise IngestRejected(problem, quarantine_id)
    async with store.read() as session:
        existing = await queries.message_id_by_external(session, message.channel.value, message.external_id)
    if existing is not None:
        return await _outcome_of_stored(store, existing)
    # Files first: a crash then leaves an unreferenced blob, never a row pointing at a missing file.
    raw_digest = await blobs.put(message.raw) if message.raw else None
    for attachment in message.attachments:
        await blobs.put(attachment.data)
    try:
        async with store.write() as session:
            return await _store_new(session, settings, message, raw_digest)
    except _AlreadyStored:
        async with store.read() as session:
            stored = await queries.message_id_by_external(session, message.channel.value, message.external_id)
        assert stored is not None
        return await _outcome_of_stored(store, stored)


async def _outcome_of_stored(store: Store, message_id: int) -> IngestOutcome:
    async with store.read() as session:
        stored = await session.get(Message, message_id)
        assert stored is not None
        conversation = await session.get(Conversation, stored.conversation_id)
        assert conversation is not None
        return IngestOutcome(stored.id, conversation.id, conversation.contact_id, created=False)


async def _store_new(
    session: AsyncSession, settings: Settings, message: InboundMessage, raw_digest: str | None
) -> IngestOutcome:
    assert message.sender is not None
    now = utcnow()
    match = await find_or_create_contact(session, message.sender)
    window = timedelta(hours=settings.ingest.reopen_window_hours)
    choice = await find_thread(session, message, match.contact_id, now, window)
    conversation = choice.conversation
    new_conversation = conversation is None
    if conversation is None:
        conversation = _new_conversation(message, match.contact_id, now)
        session.add(conversation)
        await session.flush()
    message_id = await insert_if_absent(
        session,
        Message,
        {
            "conversation_id": conversation.id,
            "direction": Direction.INBOUND.value,
            "channel": message.channel.value,
            "kind": message.kind.value,
            "subject": message.subject,
            "text": message.text,
            "html": message.html,
            "sender_identity_id": match.identity_id,
            "recipient": message.recipient,
            "external_id": message.external_id,
            "delivery_status": "received",
            "is_automatic": message.is_automatic,
            "raw_sha256": raw_digest,
            "details": {**message.metadata, "thread": choice.reason},
            "created_at": now,
            "received_at": message.received_at or now,
        },
        ["channel", "external_id"],
    )
    if message_id is None:
        raise _AlreadyStored
    if raw_digest is not None:
        await keep_raw(session, raw_digest, message.channel.value, len(message.raw))
    for item in message.attachments:
        session.add(
            Attachment(
                message_id=message_id,
                sha256=item.sha256,
                filename=item.filename,
                content_type=item.content_type,
                size=item.size,
                content_id=item.content_id,
                inline=item.inline,
            )
        )
    reopened = _touch_conversation(conversation, message, now)
    await _touch_contact(session, match.contact_id, message, now)
    audit.record(
        session,
        "message.received",
        contact_id=match.contact_id,
        conversation_id=conversation.id,
        message_id=message_id,
        channel=message.channel.value,
        thread=choice.reason,
        reopened=reopened,
        new_contact=match.created,
    )
    # Automatic mail (out-of-office, bulk) is kept but must not pull an agent in, or two robots could loop.
    if not message.is_automatic:
        await outbox.enqueue(
            session, "route", f"route:{message_id}", {"conversation_id": conversation.id, "message_id": message_id}
        )
    return IngestOutcome(
        message_id,
        conversation.id,
        match.contact_id,
        created=True,
        new_conversation=new_conversation,
        thread_reason=choice.reason,
    )


def _new_conversation(message: InboundMessage, contact_id: int, now: datetime) -> Conversation:
    return Conversation(
        contact_id=contact_id,
        channel=message.channel.value,
        status=ConversationStatus.OPEN.value,
        subject=message.subject,
        reply_token=secrets.token_urlsafe(16),
        session_key=message.thread.session_key,
        labels=[],
        created_at=now,
        last_message_at=now,
    )


def _touch_conversation(conversation: Conversation, message: InboundMessage, now: datetime) -> bool:
    conversation.last_message_at = now
    if message.is_automatic:
        return False
    if conversation.status in (ConversationStatus.RESOLVED.value, ConversationStatus.SNOOZED.value):
        conversation.status = ConversationStatus.OPEN.value
        conversation.resolved_at = None
        conversation.snoozed_until = None
        return True
    return False


async def _touch_contact(session: AsyncSession, contact_id: int, message: InboundMessage, now: datetime) -> None:
    if message.is_automatic:
        return
    contact = await session.get(Contact, contact_id)
    assert contact is not None
    contact.last_inbound_channel = message.channel.value
    contact.last_inbound_at = now

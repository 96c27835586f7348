"""What happened to an outbound message: sent, delivered, or failed with a reason the agent can read."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from channels.base import DeliveryStatus, DeliveryUpdate
from inbox import audit
from inbox.models import Conversation, Message, utcnow
from inbox.store import Store

# A later status never moves a message backwards (a late "sent" callback after "delivered").
STATUS_RANK = {
    DeliveryStatus.QUEUED.value: 0,
    DeliveryStatus.SENDING.value: 1,
    DeliveryStatus.SENT.value: 2,
    DeliveryStatus.DELIVERED.value: 3,
    DeliveryStatus.FAILED.value: 4,
}
# Statuses in which the send job may not have recorded the network's id yet.
_NOT_YET_RECORDED = frozenset({DeliveryStatus.QUEUED.value, DeliveryStatus.SENDING.value})
# The hub's own handle, carried in the status callback URL: "message:<id>".
_OWN_REFERENCE = re.compile(r"message:(\d{1,18})")


def _advance(message: Message, status: str) -> bool:
    """Move the message to ``status`` unless it already went further; True when it moved."""
    if STATUS_RANK.get(status, 0) < STATUS_RANK.get(message.delivery_status, 0):
        return False
    message.delivery_status = status
    return True


async def do_mark_sending(store: Store, message_id: int, *, retry_failed: bool = False) -> Message | None:
    """Claim a queued message for sending; None when it was already sent or failed (the job ran before).

    ``retry_failed`` is a supervisor's explicit retry of a message that failed for good."""
    sendable = ("queued", "sending", "failed") if retry_failed else ("queued", "sending")
    async with store.write() as session:
        message = await session.get(Message, message_id)
        if message is None or message.delivery_status not in sendable:
            return None
        message.delivery_status = DeliveryStatus.SENDING.value
        return message


async def do_mark_sent(store: Store, message_id: int, external_id: str) -> None:
    async with store.write() as session:
        message = await session.get(Message, message_id)
        if message is None:
            return
        message.external_id = external_id
        message.sent_at = utcnow()
        # The network's status callback may have come in before this (it names the message in its URL): a
        # "delivered" or "failed" it reported stays.
        if _advance(message, DeliveryStatus.SENT.value):
            message.failure_reason = None
        conversation = await session.get(Conversation, message.conversation_id)
        audit.record(
            session,
            "message.sent",
            contact_id=conversation.contact_id if conversation else None,
            conversation_id=message.conversation_id,
            message_id=message.id,
            external_id=external_id,
        )


async def do_mark_failed(store: Store, message_id: int, reason: str, code: str | None = None) -> None:
    async with store.write() as session:
        message = await session.get(Message, message_id)
        if message is None:
            return
        message.delivery_status = DeliveryStatus.FAILED.value
        message.failure_reason = reason
        if code:
            message.details = {**message.details, "error_code": code}
        audit.record(
            session,
            "message.failed",
            conversation_id=message.conversation_id,
            message_id=message.id,
            reason=reason,
            code=code,
        )


async def _by_network_id(session: AsyncSession, handles: list[str]) -> Message | None:
    """The newest outbound message holding one of ``handles``, the first handle preferred."""
    for handle in handles:
        result = await session.execute(
            select(Message)
            .where(Message.external_id == handle, Message.direction == "outbound")
            .order_by(Message.id.desc())
            .limit(1)
        )
        if (found := result.scalar_one_or_none()) is not None:
            return found
    return None


async def _by_own_reference(session: AsyncSession, update: DeliveryUpdate) -> Message | None:
    """The message the callback URL names, when the network's id for it is not stored (yet).

    Twilio may call back before the send job has recorded the SID it got (or the job died in between). A
    message that already holds a different network id is left alone: the report is about another attempt.
    """
    found = _OWN_REFERENCE.fullmatch(update.reference or "")
    if found is None:
        return None
    message = await session.get(Message, int(found.group(1)))
    if message is None or message.direction != "outbound" or message.channel != update.channel.value:
        return None
    recorded = message.external_id is not None and message.delivery_status not in _NOT_YET_RECORDED
    if recorded and message.external_id != update.external_id:
        return None
    return message


def _learn_network_id(message: Message, update: DeliveryUpdate) -> None:
    """Keep the network's id from a report that came before the send job recorded it."""
    if not update.external_id or message.external_id == update.external_id:
        return
    placeholder = message.external_id is None or message.external_id == update.reference
    if placeholder or message.delivery_status in _NOT_YET_RECORDED:
        message.external_id = update.external_id


async def do_apply_delivery_update(store: Store, update: DeliveryUpdate) -> int | None:
    """Apply a network's status report; returns the message it concerned, or None when none matched."""
    handles = [value for value in (update.external_id, update.reference) if value]
    if not handles:
        return None
    async with store.write() as session:
        message = await _by_network_id(session, handles) or await _by_own_reference(session, update)
        if message is None:
            return None
        _learn_network_id(message, update)
        if _advance(message, update.status.value) and update.status is DeliveryStatus.FAILED:
            message.failure_reason = update.reason or "the network reported the message as failed"
        if update.error_code:
            message.details = {**message.details, "error_code": update.error_code}
        audit.record(
            session,
            "message.status",
            conversation_id=message.conversation_id,
            message_id=message.id,
            status=update.status.value,
            code=update.error_code,
            reason=update.reason,
        )
        return message.id

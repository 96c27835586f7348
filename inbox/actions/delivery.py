"""What happened to an outbound message: sent, delivered, or failed with a reason the agent can read."""

from __future__ import annotations

from sqlalchemy import select

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
        message.delivery_status = DeliveryStatus.SENT.value
        message.sent_at = utcnow()
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


async def do_apply_delivery_update(store: Store, update: DeliveryUpdate) -> int | None:
    """Apply a network's status report; returns the message it concerned, or None when none matched."""
    handles = [value for value in (update.external_id, update.reference) if value]
    if not handles:
        return None
    async with store.write() as session:
        result = await session.execute(
            select(Message)
            .where(Message.external_id.in_(handles), Message.direction == "outbound")
            .order_by(Message.id.desc())
            .limit(1)
        )
        message = result.scalar_one_or_none()
        if message is None:
            return None
        if STATUS_RANK.get(update.status.value, 0) >= STATUS_RANK.get(message.delivery_status, 0):
            message.delivery_status = update.status.value
            if update.status is DeliveryStatus.FAILED:
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

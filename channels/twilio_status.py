"""Twilio's message status callbacks as the hub's ``DeliveryUpdate`` values."""

from __future__ import annotations

from collections.abc import Mapping

from channels.base import ChannelName, DeliveryStatus, DeliveryUpdate, UnparseableInput
from channels.twilio_errors import error_words

MESSAGE_STATUSES: dict[str, DeliveryStatus] = {
    "accepted": DeliveryStatus.QUEUED,
    "scheduled": DeliveryStatus.QUEUED,
    "queued": DeliveryStatus.QUEUED,
    "sending": DeliveryStatus.SENDING,
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.DELIVERED,
    "undelivered": DeliveryStatus.FAILED,
    "failed": DeliveryStatus.FAILED,
    "canceled": DeliveryStatus.FAILED,
    "receiving": DeliveryStatus.RECEIVED,
    "received": DeliveryStatus.RECEIVED,
}

_FAILURE_FALLBACK = {
    "undelivered": "The carrier could not deliver the message.",
    "failed": "Twilio could not send the message.",
    "canceled": "The message was canceled before it was sent.",
}


def delivery_update_from_status(form: Mapping[str, str], message_id: str | None = None) -> DeliveryUpdate:
    """Read a status callback form (``MessageSid``, ``MessageStatus``, ``ErrorCode``).

    ``message_id`` is the hub's own id, which ``SmsChannel.send`` puts in the callback URL; it becomes the
    update's ``reference`` ("message:<id>"), so a status still matches if the send job died before saving
    the SID.
    """
    sid = form.get("MessageSid") or form.get("SmsSid")
    raw_status = (form.get("MessageStatus") or form.get("SmsStatus") or "").strip().lower()
    if not sid or raw_status not in MESSAGE_STATUSES:
        raise UnparseableInput(f"not a Twilio message status callback (sid={sid!r}, status={raw_status!r})")
    code = (form.get("ErrorCode") or "").strip() or None
    reason = error_words(code, fallback=_FAILURE_FALLBACK.get(raw_status))
    return DeliveryUpdate(
        channel=ChannelName.SMS,
        status=MESSAGE_STATUSES[raw_status],
        external_id=sid,
        reference=f"message:{message_id}" if message_id else None,
        error_code=code,
        reason=reason,
    )

"""Twilio's status callbacks for what the hub sent (messages, and the agent's leg of a call-back) as the hub's
``DeliveryUpdate`` values.

Both callback URLs carry the hub's own message id, which becomes the update's ``reference`` ("message:<id>"):
a status still finds its message when Twilio calls back before the hub has recorded the SID it was given.
"""

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
        reference=own_reference(message_id),
        error_code=code,
        reason=reason,
    )


def own_reference(message_id: str | None) -> str | None:
    """The hub's handle for one of its messages, as the stored message is matched by it."""
    return f"message:{message_id}" if message_id else None


# A call-back rings the agent first: these are the agent leg's statuses. Whether the customer answered is
# reported by the bridge's dial action, as an event of its own.
CALL_STATUSES: dict[str, DeliveryStatus] = {
    "queued": DeliveryStatus.SENT,
    "initiated": DeliveryStatus.SENT,
    "ringing": DeliveryStatus.SENT,
    "in-progress": DeliveryStatus.SENT,
    "answered": DeliveryStatus.SENT,
    "completed": DeliveryStatus.DELIVERED,
    "busy": DeliveryStatus.FAILED,
    "no-answer": DeliveryStatus.FAILED,
    "failed": DeliveryStatus.FAILED,
    "canceled": DeliveryStatus.FAILED,
}

_CALL_FAILURE = {
    "busy": "The agent's phone was busy, so the customer was not called.",
    "no-answer": "The agent did not answer the call-back ring, so the customer was not called.",
    "failed": "Twilio could not ring the agent's phone, so the customer was not called.",
    "canceled": "The call-back was canceled before the agent's phone rang.",
}


def placed_call_id(call_sid: str) -> str:
    """The external id of the hub's log entry for a call it placed (a call-back's agent leg)."""
    return f"call:{call_sid}:placed"


def delivery_update_from_call_status(form: Mapping[str, str], message_id: str | None) -> DeliveryUpdate:
    """A call-back's status callback (``CallSid``, ``CallStatus``, ``ErrorCode``) for its log entry.

    ``message_id`` is the log entry's id, which ``PhoneChannel.place_callback_call`` puts in the URL.
    """
    sid = form.get("CallSid")
    raw_status = (form.get("CallStatus") or "").strip().lower()
    if not sid or raw_status not in CALL_STATUSES:
        raise UnparseableInput(f"not a Twilio call status callback (sid={sid!r}, status={raw_status!r})")
    code = (form.get("ErrorCode") or "").strip() or None
    reason = _CALL_FAILURE.get(raw_status)
    if reason and code:
        # The code's usual words speak of the customer's number; on this leg the number rung is the agent's.
        reason = f"{reason.rstrip('.')} (Twilio error {code})."
    return DeliveryUpdate(
        channel=ChannelName.PHONE,
        status=CALL_STATUSES[raw_status],
        external_id=placed_call_id(sid),
        reference=own_reference(message_id),
        error_code=code,
        reason=reason,
    )

"""Phone calls as messages of a conversation on channel ``phone``: call events and voicemails.

Every event of one call shares ``ThreadHints.session_key = "call:<CallSid>"`` (the parent call's SID for a
dialled leg), so a call is one conversation. External ids are derived from what Twilio sends, so a retried
callback is the same message again.

Voicemail merge. A voicemail arrives in two callbacks, in either order: the recording status callback
(recording URL and duration) and, later, the transcription callback (the text). Both become a ``VOICEMAIL``
message with the same ``external_id = "voicemail:<RecordingSid>"`` and ``metadata["voicemail_part"]`` saying
which part it is. The store keeps one message per ``(channel, external_id)``: the first part to arrive creates
and routes it; a later part is merged into it, not routed again: its non-empty ``text`` replaces an empty text
and its metadata keys are added (values already present are kept unless they are empty).

Call-backs. A call the hub placed (Twilio's ``Direction`` "outbound-api": an agent's call-back) is logged in the
conversation the agent called from, before Twilio says anything about it. Its events name that log entry in
their thread references, by the id the hub records once Twilio accepted the call (``call:<CallSid>:placed``)
and by the hub's own message id when the callback URL carries it (``message:<id>``), so they land in the same
conversation even when they arrive before the call's SID was recorded.
"""

from __future__ import annotations

from collections.abc import Mapping

from channels.base import ChannelName, InboundMessage, MessageKind, ThreadHints, UnparseableInput
from channels.twilio_identity import identity_from_twilio
from channels.twilio_status import own_reference, placed_call_id

# Call statuses Twilio reports, and whether the customer went unserved (the store opens a call-back item for
# those).
CALL_STATUS_TEXT: dict[str, str] = {
    "queued": "Call queued",
    "initiated": "Call started",
    "ringing": "Ringing",
    "in-progress": "Call answered",
    "answered": "Call answered",
    "completed": "Call ended",
    "busy": "Line busy",
    "no-answer": "No answer",
    "failed": "Call failed",
    "canceled": "Caller hung up before the call was answered",
}
MISSED_STATUSES = frozenset({"busy", "no-answer", "failed", "canceled"})


def customer_number(form: Mapping[str, str], query: Mapping[str, str]) -> str:
    """Which side of a call is the customer: the caller on inbound calls, the called party on outbound ones.

    Call-backs ring the agent first, so their callbacks name the customer in the (signed) URL query.
    """
    if query.get("customer"):
        return query["customer"]
    if query.get("caller"):
        return query["caller"]
    direction = form.get("Direction", "inbound")
    return form.get("To", "") if direction.startswith("outbound") else form.get("From", "")


def _session(form: Mapping[str, str]) -> str:
    return "call:" + (form.get("ParentCallSid") or form.get("CallSid", ""))


def _placed_call_references(form: Mapping[str, str], message_id: str | None) -> tuple[str, ...]:
    """The hub's log entry of a call it placed itself; nothing for calls customers made."""
    if not form.get("Direction", "").startswith("outbound-api"):
        return ()
    own = own_reference(message_id)
    return (*([own] if own else []), placed_call_id(form.get("CallSid", "")))


def call_event(
    form: Mapping[str, str],
    *,
    event: str,
    text: str,
    customer: str,
    region: str,
    raw: bytes = b"",
    extra: Mapping[str, str] | None = None,
    id_suffix: str | None = None,
    message_id: str | None = None,
) -> InboundMessage:
    """One event of a call; ``message_id`` is the hub's log entry named in a call-back's callback URL."""
    call_sid = form.get("CallSid")
    if not call_sid:
        raise UnparseableInput("not a Twilio voice callback: CallSid is missing")
    metadata = {"call_sid": call_sid, "event": event, "direction": form.get("Direction", "inbound")}
    if form.get("ParentCallSid"):
        metadata["parent_call_sid"] = form["ParentCallSid"]
    metadata.update(extra or {})
    return InboundMessage(
        channel=ChannelName.PHONE,
        external_id=f"call:{call_sid}:{id_suffix or event}",
        sender=identity_from_twilio(customer, region),
        recipient=form.get("Called") or form.get("To") or None,
        text=text,
        thread=ThreadHints(references=_placed_call_references(form, message_id), session_key=_session(form)),
        raw=raw,
        kind=MessageKind.CALL_EVENT,
        is_automatic=True,
        metadata=metadata,
    )


def call_status_event(
    form: Mapping[str, str], query: Mapping[str, str], region: str, raw: bytes = b""
) -> InboundMessage:
    """A call status callback (``CallStatus``, ``CallDuration``) as a call event."""
    status = form.get("CallStatus", "").strip().lower()
    if status not in CALL_STATUS_TEXT:
        raise UnparseableInput(f"unknown Twilio call status {status!r}")
    extra: dict[str, str] = {"call_status": status}
    text = CALL_STATUS_TEXT[status]
    if form.get("CallDuration"):
        extra["duration_seconds"] = form["CallDuration"]
        text += f" after {form['CallDuration']} s"
    if status in MISSED_STATUSES:
        extra["missed"] = "true"
    if query.get("agent"):
        extra["agent"] = query["agent"]
    return call_event(
        form,
        event=status,
        text=text,
        customer=customer_number(form, query),
        region=region,
        raw=raw,
        extra=extra,
        message_id=query.get("message_id"),
    )


def voicemail_part(form: Mapping[str, str], query: Mapping[str, str], region: str, raw: bytes = b"") -> InboundMessage:
    """One half of a voicemail (recording or transcription callback); see the module notes on merging."""
    recording_sid = form.get("RecordingSid")
    call_sid = form.get("CallSid", "")
    if not recording_sid:
        raise UnparseableInput("not a Twilio recording or transcription callback: RecordingSid is missing")
    metadata: dict[str, str] = {"recording_sid": recording_sid, "call_sid": call_sid}
    if form.get("RecordingUrl"):
        metadata["recording_url"] = form["RecordingUrl"]
    text = ""
    if "TranscriptionSid" in form or "TranscriptionStatus" in form:
        metadata["voicemail_part"] = "transcription"
        metadata["transcription_status"] = form.get("TranscriptionStatus", "")
        if form.get("TranscriptionStatus", "completed") == "completed":
            text = form.get("TranscriptionText", "")
    else:
        metadata["voicemail_part"] = "recording"
        metadata["recording_status"] = form.get("RecordingStatus", "completed")
        if form.get("RecordingDuration"):
            metadata["duration_seconds"] = form["RecordingDuration"]
    if query.get("lang"):
        metadata["language"] = query["lang"]
    return InboundMessage(
        channel=ChannelName.PHONE,
        external_id=f"voicemail:{recording_sid}",
        sender=identity_from_twilio(customer_number(form, query), region),
        recipient=form.get("To") or None,
        text=text,
        thread=ThreadHints(session_key=f"call:{call_sid}" if call_sid else None),
        raw=raw,
        kind=MessageKind.VOICEMAIL,
        metadata=metadata,
    )

"""What some inbound messages change beyond the conversation: consent keywords, multi-part voicemails, missed
calls that ask for a call-back, and MMS media still to be fetched."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from channels.base import ChannelName, InboundMessage, MessageKind
from inbox.complaints import flag_complaints
from inbox.models import Contact, Conversation, ConversationStatus, Event, Message, OutboxJob
from inbox.repeat_detection import Arrival, record_repeat_contacts
from inbox.settings import Settings
from inbox.survey_answers import SURVEY_ANSWER, record_survey_answers
from inbox.upsert import insert_ignoring_conflict

# An opt-out or opt-in keyword changes consent for the channel it arrived on.
CONSENT_CHANGES = {"opt_out": False, "opt_in": True}


async def apply_consent_keywords(
    session: AsyncSession, changes: Iterable[tuple[int, InboundMessage]], now: datetime
) -> None:
    """``changes`` pairs a contact id with each stored message; the latest keyword per contact and channel wins."""
    wanted: dict[int, dict[str, bool]] = {}
    for contact_id, message in changes:
        given = CONSENT_CHANGES.get(message.metadata.get("consent", ""))
        if given is not None:
            wanted.setdefault(contact_id, {})[message.channel.value] = given
    if not wanted:
        return
    rows = await session.execute(select(Contact.id, Contact.consent).where(Contact.id.in_(wanted)))
    updates: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for contact_id, consent in rows.all():
        merged = {**(consent or {}), **wanted[contact_id]}
        updates.append({"id": contact_id, "consent": merged})
        for channel, given in wanted[contact_id].items():
            events.append(
                {
                    "kind": "consent.changed",
                    "actor_agent_id": None,
                    "contact_id": contact_id,
                    "conversation_id": None,
                    "data": {"channel": channel, "consent": given, "source": "customer keyword"},
                    "created_at": now,
                }
            )
    await session.execute(update(Contact), updates)
    await session.execute(insert(Event), events)


def is_voicemail_part(message: InboundMessage) -> bool:
    return message.kind is MessageKind.VOICEMAIL and "voicemail_part" in message.metadata


async def merge_voicemail_parts(session: AsyncSession, parts: Mapping[int, InboundMessage]) -> None:
    """The recording and its transcription arrive as two callbacks for one voicemail: the second fills in what
    the first lacked instead of being dropped as a duplicate. ``parts`` maps stored message ids to later parts."""
    if not parts:
        return
    stored = await session.execute(select(Message).where(Message.id.in_(parts)))
    for message in stored.scalars():
        part = parts[message.id]
        if part.text and not message.text:
            message.text = part.text
        message.details = {
            **part.metadata,
            **message.details,
            "voicemail_parts": _parts(message.details, part),
        }


def _parts(details: Mapping[str, Any], part: InboundMessage) -> list[str]:
    seen = list(details.get("voicemail_parts") or [details.get("voicemail_part", "")])
    new = part.metadata.get("voicemail_part", "")
    return [name for name in dict.fromkeys([*seen, new]) if name]


CALLBACK_LABEL = "callback_requested"


def asks_for_callback(message: InboundMessage) -> bool:
    """A call the customer gave up on, or that never reached anyone.

    An agent's unanswered ring on an inbound call does not count: the caller goes back to the queue, and
    whether they are then served, hang up or leave no message is reported by a later event.
    """
    if message.kind is not MessageKind.CALL_EVENT or message.metadata.get("missed") != "true":
        return False
    agent_leg_of_inbound_call = message.metadata.get("event", "").startswith("dial-") and (
        message.metadata.get("direction", "inbound") == "inbound"
    )
    return not agent_leg_of_inbound_call


async def request_callbacks(
    session: AsyncSession, stored: Iterable[tuple[Conversation, int, int, InboundMessage]], now: datetime
) -> None:
    """``stored`` holds (conversation, contact id, message id, message) of newly stored messages.

    A missed call labels its conversation for a call-back, keeps it open (a resolved one is reopened: the
    customer wants something again) and routes it, so an agent owns the call-back like any other work.
    """
    events: list[dict[str, Any]] = []
    jobs: list[dict[str, Any]] = []
    for conversation, contact_id, message_id, message in stored:
        if not asks_for_callback(message):
            continue
        if CALLBACK_LABEL not in (conversation.labels or []):
            conversation.labels = [*(conversation.labels or []), CALLBACK_LABEL]
        if conversation.status in (ConversationStatus.RESOLVED.value, ConversationStatus.SNOOZED.value):
            conversation.status = ConversationStatus.OPEN.value
            conversation.resolved_at = None
            conversation.snoozed_until = None
        data = {"message_id": message_id, "call_sid": message.metadata.get("call_sid", "")}
        data["event"] = message.metadata.get("event", "")
        events.append(_event("callback.requested", contact_id, conversation.id, data, now))
        payload = {"conversation_id": conversation.id, "message_id": message_id}
        jobs.append(_job("route", f"route:{message_id}", payload, now))
    if events:
        await session.execute(insert(Event), events)
        await insert_ignoring_conflict(session, OutboxJob, jobs, ["key"])
        session.info["queued_jobs"] = True


def media_jobs(stored: Iterable[tuple[int, InboundMessage]], now: datetime) -> list[dict[str, Any]]:
    """Outbox rows that fetch the media of newly stored MMS; ``stored`` pairs message ids with messages."""
    return [
        _job("media", f"media:{message_id}", {"message_id": message_id}, now)
        for message_id, message in stored
        if message.channel is ChannelName.SMS and _count(message.metadata.get("media_count")) > 0
    ]


def _count(value: str | None) -> int:
    try:
        return int(value or "0")
    except ValueError:
        return 0


def _event(kind: str, contact_id: int, conversation_id: int, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {
        "kind": kind,
        "actor_agent_id": None,
        "contact_id": contact_id,
        "conversation_id": conversation_id,
        "data": data,
        "created_at": now,
    }


def _job(job: str, key: str, payload: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {
        "job": job,
        "key": key,
        "payload": payload,
        "status": "pending",
        "attempts": 0,
        "run_after": now,
        "created_at": now,
    }


# (conversation, contact id, stored message id, message, opened a new conversation, reopened a resolved one,
# the threading reason) for each newly stored message.
Arrived = tuple[Conversation, int, int, InboundMessage, bool, bool, str]


async def apply_service_recovery(
    session: AsyncSession, settings: Settings, arrived: Sequence[Arrived], now: datetime
) -> None:
    """Survey answers recorded, repeat contacts linked to the complaint they repeat, complaints detected.

    Repeats are looked for before this batch's complaints are flagged: a complaint raised again in a resolved
    conversation renews its case, and must still count as a repeat of the resolved one first.
    """
    answers = [(c.id, contact, mid, m) for c, contact, mid, m, _new, _re, why in arrived if why == SURVEY_ANSWER]
    await record_survey_answers(session, answers, now)
    contacts = [entry for entry in arrived if entry[6] != SURVEY_ANSWER and not entry[3].is_automatic]
    if not settings.recovery.enabled or not contacts:
        return
    arrivals = [Arrival(c.id, contact, mid, new, reopened) for c, contact, mid, _m, new, reopened, _why in contacts]
    await record_repeat_contacts(session, arrivals, settings.recovery.repeat_contact_window_days, now)
    await flag_complaints(session, settings.recovery, [entry[:4] for entry in contacts], now)

"""What some inbound messages change beyond the conversation: consent keywords and multi-part voicemails."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from channels.base import InboundMessage, MessageKind
from inbox.models import Contact, Event, Message

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

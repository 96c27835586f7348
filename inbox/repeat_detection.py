"""Repeat contacts found on arrival: a customer whose complaint is still open, or was resolved only recently,
gets in touch again. The new contact is linked to the complaint's conversation with the reason, so supervisors
see which problems were not solved the first time. One query per ingest batch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from inbox.models import ComplaintCase, Event, RepeatContact
from inbox.upsert import insert_ignoring_conflict


@dataclass(frozen=True, slots=True)
class Arrival:
    """A newly stored customer message, with how it was placed."""

    conversation_id: int
    contact_id: int
    message_id: int
    new_conversation: bool
    reopened: bool


async def record_repeat_contacts(
    session: AsyncSession, arrivals: Sequence[Arrival], window_days: int, now: datetime
) -> list[tuple[int, int]]:
    """Returns the (conversation, original conversation) pairs recorded."""
    candidates = [a for a in arrivals if a.new_conversation or a.reopened]
    if not candidates or window_days <= 0:
        return []
    since = now - timedelta(days=window_days)
    rows = await session.execute(
        select(ComplaintCase.contact_id, ComplaintCase.conversation_id, ComplaintCase.recovered_at)
        .where(
            ComplaintCase.contact_id.in_({a.contact_id for a in candidates}),
            or_(ComplaintCase.recovered_at.is_(None), ComplaintCase.recovered_at >= since),
        )
        .order_by(ComplaintCase.detected_at)
    )
    cases: dict[int, list[tuple[int, datetime | None]]] = {}
    for contact_id, conversation_id, recovered_at in rows.all():
        cases.setdefault(contact_id, []).append((conversation_id, recovered_at))
    records: list[dict[str, Any]] = []
    seen: set[tuple[int, int]] = set()
    for arrival in candidates:
        found = _original(arrival, cases.get(arrival.contact_id, []))
        if found is None or (arrival.conversation_id, found[0]) in seen:
            continue
        original, reason = found
        seen.add((arrival.conversation_id, original))
        records.append(
            {
                "conversation_id": arrival.conversation_id,
                "original_conversation_id": original,
                "contact_id": arrival.contact_id,
                "message_id": arrival.message_id,
                "reason": reason,
                "source": "detected",
                "agent_id": None,
                "created_at": now,
            }
        )
    if not records:
        return []
    await insert_ignoring_conflict(session, RepeatContact, records, ["conversation_id", "original_conversation_id"])
    await session.execute(insert(Event), [_event(row, now) for row in records])
    return sorted(seen)


def _original(arrival: Arrival, cases: list[tuple[int, datetime | None]]) -> tuple[int, str] | None:
    """The complaint this contact repeats (the newest that applies), and why it counts as a repeat."""
    for conversation_id, recovered_at in reversed(cases):
        if conversation_id == arrival.conversation_id:
            if arrival.reopened and recovered_at is not None:
                return conversation_id, "the customer wrote again after the complaint was resolved"
            continue
        if arrival.new_conversation:
            if recovered_at is None:
                return conversation_id, f"a new contact while complaint #{conversation_id} is still open"
            return conversation_id, f"a new contact soon after complaint #{conversation_id} was resolved"
    return None


def _event(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {
        "kind": "repeat_contact.recorded",
        "actor_agent_id": None,
        "contact_id": row["contact_id"],
        "conversation_id": row["conversation_id"],
        "data": {
            "original_conversation_id": row["original_conversation_id"],
            "reason": row["reason"],
            "source": "detected",
        },
        "created_at": now,
    }

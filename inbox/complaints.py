"""Complaint detection on inbound messages, per ingest batch.

A message whose text carries a configured signal flags its conversation as a complaint (which the router's
complaint boost then serves first), opens a complaint case with a recovery deadline and records which signal
matched. English signals match whole words in any case; Chinese ones match anywhere, since Chinese is written
without spaces between words. A batch costs at most two queries whatever its size.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from channels.base import InboundMessage
from inbox.models import ComplaintCase, Conversation, Event
from inbox.settings import RecoverySection
from inbox.upsert import insert_ignoring_conflict

# (conversation, contact id, stored message id, message) for each newly stored message of a batch.
Stored = tuple[Conversation, int, int, InboundMessage]


@dataclass(frozen=True, slots=True)
class SignalMatcher:
    words: re.Pattern[str] | None
    fragments: tuple[str, ...]

    def first(self, text: str) -> str | None:
        """The signal found earliest in ``text``, as configured (not as the customer cased it)."""
        found: list[tuple[int, str]] = []
        if self.words is not None:
            hit = self.words.search(text)
            if hit is not None:
                found.append((hit.start(), hit.group(0).casefold()))
        for fragment in self.fragments:
            at = text.find(fragment)
            if at >= 0:
                found.append((at, fragment))
        return min(found)[1] if found else None


@lru_cache(maxsize=8)
def _compiled(words: tuple[str, ...], fragments: tuple[str, ...]) -> SignalMatcher:
    cleaned = sorted({w.strip().casefold() for w in words if w.strip()}, key=len, reverse=True)
    # \b would treat a Chinese character next to an English word as part of the word; letters and digits only.
    pattern = r"(?<![0-9A-Za-z])(?:" + "|".join(re.escape(w) for w in cleaned) + r")(?![0-9A-Za-z])"
    compiled = re.compile(pattern, re.IGNORECASE) if cleaned else None
    return SignalMatcher(compiled, tuple(f for f in (f.strip() for f in fragments) if f))


def signal_matcher(section: RecoverySection) -> SignalMatcher:
    return _compiled(tuple(section.signals_en), tuple(section.signals_zh))


def signal_in(message: InboundMessage, matcher: SignalMatcher) -> str | None:
    if message.is_automatic:
        # Auto-replies quote our own words back ("your complaint was received") and prove nothing.
        return None
    return matcher.first(f"{message.subject or ''}\n{message.text}")


async def flag_complaints(
    session: AsyncSession, section: RecoverySection, stored: Sequence[Stored], now: datetime
) -> list[int]:
    """Flag the conversations of ``stored`` whose messages carry a signal; returns the flagged conversation ids."""
    if not section.enabled or not stored:
        return []
    matcher = signal_matcher(section)
    hits: dict[int, tuple[Conversation, int, int, str]] = {}
    for conversation, contact_id, message_id, message in stored:
        signal = signal_in(message, matcher)
        if signal is not None and conversation.id not in hits:
            hits[conversation.id] = (conversation, contact_id, message_id, signal)
    if not hits:
        return []
    due = now + timedelta(hours=section.recovery_sla_hours)
    existing = await session.execute(
        select(ComplaintCase.conversation_id, ComplaintCase.recovered_at).where(ComplaintCase.conversation_id.in_(hits))
    )
    known = {conversation_id: recovered_at for conversation_id, recovered_at in existing.all()}
    fresh = [
        _case_row(conversation.id, contact_id, message_id, signal, now, due)
        for conversation, contact_id, message_id, signal in hits.values()
        if conversation.id not in known
    ]
    # A complaint raised again after its case was recovered starts a new recovery clock.
    renewed = [
        {"conversation_id": cid, "signal": hits[cid][3], "message_id": hits[cid][2], "recovery_due_at": due}
        for cid, recovered_at in known.items()
        if recovered_at is not None
    ]
    await insert_ignoring_conflict(session, ComplaintCase, fresh, ["conversation_id"])
    for row in renewed:
        await session.execute(
            update(ComplaintCase)
            .where(ComplaintCase.conversation_id == row["conversation_id"])
            .values(signal=row["signal"], message_id=row["message_id"], recovery_due_at=due, recovered_at=None)
        )
    events: list[dict[str, Any]] = []
    for conversation, contact_id, message_id, signal in hits.values():
        already = conversation.is_complaint and known.get(conversation.id, now) is None
        conversation.is_complaint = True
        if not already:
            start_recovery_clock(conversation, due, now)
            data = {"message_id": message_id, "signal": signal, "recovery_due_at": due.isoformat()}
            events.append(_event("complaint.detected", contact_id, conversation.id, data, now))
    if events:
        await session.execute(insert(Event), events)
    return list(hits)


def start_recovery_clock(conversation: Conversation, due: datetime, now: datetime) -> None:
    """The recovery deadline becomes the conversation's resolution deadline unless an earlier one still runs, so the
    inbox's SLA filter and the router's SLA boost treat an unrecovered complaint like any resolution running late."""
    current = conversation.resolution_due_at
    if current is None or current <= now or current > due:
        conversation.resolution_due_at = due


def _case_row(
    conversation_id: int, contact_id: int, message_id: int, signal: str, now: datetime, due: datetime
) -> dict[str, Any]:
    return {
        "conversation_id": conversation_id,
        "contact_id": contact_id,
        "message_id": message_id,
        "signal": signal,
        "detected_at": now,
        "recovery_due_at": due,
        "recovered_at": None,
    }


def _event(kind: str, contact_id: int, conversation_id: int, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {
        "kind": kind,
        "actor_agent_id": None,
        "contact_id": contact_id,
        "conversation_id": conversation_id,
        "data": data,
        "created_at": now,
    }

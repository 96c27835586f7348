"""The supervisor's figures: first-response and resolution times (median, 90th percentile), today's volume per
channel and per hour, the router's recent decisions with their stored explanations, and failed jobs.

Every query is limited to the viewer's reach (``inbox.access``) and bounded: a period's rows are found from the
first id of the period on (``inbox.supervisor_bounds``), times come from its most recent conversations only, and
counts are computed by the database in one grouped pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from inbox.access import Viewer, conversation_scope
from inbox.models import Agent, Conversation, DeadLetter, Event, Message
from inbox.supervisor_bounds import first_id_since

# Percentiles are taken over at most this many of the period's newest conversations: plenty for a stable
# median and 90th percentile, and a fixed cost however busy the period was.
SAMPLE_LIMIT = 5000
HOURS = 24


@dataclass(frozen=True, slots=True)
class Durations:
    count: int
    median_seconds: float | None
    p90_seconds: float | None


@dataclass(frozen=True, slots=True)
class Volume:
    by_channel: dict[str, int]
    # Inbound messages per hour of the day so far, oldest hour first.
    per_hour: list[int]

    @property
    def total(self) -> int:
        return sum(self.by_channel.values())


@dataclass(frozen=True, slots=True)
class RoutingDecision:
    at: datetime
    conversation_id: int
    subject: str | None
    agent_name: str | None
    via: str
    explanation: dict[str, Any]

    @property
    def verdicts(self) -> list[dict[str, Any]]:
        inner = self.explanation.get("explanation", self.explanation)
        found = inner.get("verdicts") if isinstance(inner, dict) else None
        return [item for item in found if isinstance(item, dict)] if isinstance(found, list) else []

    @property
    def summary(self) -> dict[str, Any]:
        inner = self.explanation.get("explanation", self.explanation)
        return inner if isinstance(inner, dict) else {}


@dataclass(frozen=True, slots=True)
class FailedJob:
    id: int
    job: str
    key: str
    attempts: int
    error: str
    failed_at: datetime


def percentile(ordered: Sequence[float], share: float) -> float | None:
    """The value below which ``share`` of the (sorted) values fall, interpolated between neighbours."""
    if not ordered:
        return None
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _durations(pairs: Sequence[tuple[datetime, datetime]]) -> Durations:
    seconds = sorted(max(0.0, (end - start).total_seconds()) for start, end in pairs)
    return Durations(len(seconds), percentile(seconds, 0.5), percentile(seconds, 0.9))


async def response_times(session: AsyncSession, viewer: Viewer, since: datetime) -> tuple[Durations, Durations]:
    """(first response, resolution) for conversations started since ``since`` that reached that point."""
    start = await first_id_since(session, Conversation.id, Conversation.created_at, since)
    if start is None:
        return _durations([]), _durations([])
    recent = and_(Conversation.id >= start, Conversation.created_at >= since)
    first = await session.execute(
        select(Conversation.created_at, Conversation.first_response_at)
        .where(
            recent,
            Conversation.first_response_at.is_not(None),
            conversation_scope(viewer),
        )
        .order_by(Conversation.created_at.desc())
        .limit(SAMPLE_LIMIT)
    )
    resolved = await session.execute(
        select(Conversation.created_at, Conversation.resolved_at)
        .where(recent, Conversation.resolved_at.is_not(None), conversation_scope(viewer))
        .order_by(Conversation.created_at.desc())
        .limit(SAMPLE_LIMIT)
    )
    return (
        _durations([(start, end) for start, end in first.all() if end is not None]),
        _durations([(start, end) for start, end in resolved.all() if end is not None]),
    )


async def todays_volume(session: AsyncSession, viewer: Viewer, day_start: datetime) -> Volume:
    """Inbound messages since ``day_start`` per channel, and per hour; one grouped query, the hours as sums of
    conditions on bounds computed here, so the SQL is the same on every database."""
    hours = [
        func.sum(
            case(
                (
                    and_(
                        Message.created_at >= day_start + timedelta(hours=hour),
                        Message.created_at < day_start + timedelta(hours=hour + 1),
                    ),
                    1,
                ),
                else_=0,
            )
        )
        for hour in range(HOURS)
    ]
    by_channel: dict[str, int] = {}
    per_hour = [0] * HOURS
    start = await first_id_since(session, Message.id, Message.created_at, day_start)
    if start is None:
        return Volume(by_channel, per_hour)
    rows = await session.execute(
        select(Message.channel, func.count(), *hours)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            Message.id >= start,
            Message.direction == "inbound",
            Message.created_at >= day_start,
            conversation_scope(viewer),
        )
        .group_by(Message.channel)
    )
    for row in rows.all():
        by_channel[row[0]] = int(row[1])
        for hour in range(HOURS):
            per_hour[hour] += int(row[2 + hour] or 0)
    return Volume(dict(sorted(by_channel.items(), key=lambda item: -item[1])), per_hour)


async def recent_decisions(session: AsyncSession, viewer: Viewer, limit: int = 20) -> list[RoutingDecision]:
    rows = await session.execute(
        select(Event.created_at, Event.conversation_id, Event.data, Conversation.subject, Agent.name)
        .join(Conversation, Conversation.id == Event.conversation_id)
        .outerjoin(Agent, Agent.id == Conversation.assignee_id)
        .where(Event.kind == "routing.decision", conversation_scope(viewer))
        .order_by(Event.id.desc())
        .limit(limit)
    )
    decisions = []
    for at, conversation_id, data, subject, assignee_name in rows.all():
        stored = data.get("explanation") if isinstance(data, dict) else None
        decisions.append(
            RoutingDecision(
                at=at,
                conversation_id=int(conversation_id or 0),
                subject=subject,
                agent_name=assignee_name if data.get("assigned") else None,
                via=str(data.get("via") or "route"),
                explanation=stored if isinstance(stored, dict) else {},
            )
        )
    return decisions


def _failed_in_reach(viewer: Viewer) -> Select[DeadLetter]:
    """Failed jobs not yet retried. An admin sees them all; a supervisor those about a message in their reach
    (a reply that could not be sent), since the others concern the whole hub."""
    query = select(DeadLetter).where(DeadLetter.retried_at.is_(None))
    if viewer.sees_everything:
        return query
    reachable = (
        select(Message.id)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(conversation_scope(viewer))
    )
    return query.where(DeadLetter.payload["message_id"].as_integer().in_(reachable))


async def failed_jobs(session: AsyncSession, viewer: Viewer, limit: int = 50) -> list[FailedJob]:
    rows = await session.execute(_failed_in_reach(viewer).order_by(DeadLetter.id.desc()).limit(limit))
    return [
        FailedJob(letter.id, letter.job, letter.key, letter.attempts, letter.error, letter.created_at)
        for letter in rows.scalars()
    ]


async def failed_job_in_reach(session: AsyncSession, viewer: Viewer, dead_letter_id: int) -> bool:
    """Whether the viewer may retry this failed job: the same rule as the list."""
    found = await session.execute(_failed_in_reach(viewer).where(DeadLetter.id == dead_letter_id))
    return found.scalar_one_or_none() is not None


async def names_in_decisions(session: AsyncSession, decisions: Sequence[RoutingDecision]) -> dict[int, str]:
    """The names of the agents the explanations speak of, in one query."""
    ids = {
        int(verdict["agent_id"])
        for decision in decisions
        for verdict in decision.verdicts
        if isinstance(verdict.get("agent_id"), int)
    }
    if not ids:
        return {}
    rows = await session.execute(select(Agent.id, Agent.name).where(Agent.id.in_(ids)))
    return {agent_id: name for agent_id, name in rows.all()}

"""The supervisor's queues: what waits in each pool (a team's queue, or the shared one), by tier, how long the
oldest has waited, and which open conversations have missed or are about to miss their first-response target.

Read-only and set-based: one grouped query for the queues, one for the service levels, whatever the queue's size.
The supervisor sees their teams' pools and the shared one; an admin sees all (``inbox.access`` decides).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from inbox.access import Viewer, conversation_scope
from inbox.models import Contact, Conversation, ConversationStatus, Team

TIERS = ("platinum", "gold", "silver", "bronze")
SHARED_POOL = "Shared queue"
# A conversation with its own due time is at risk this long before it.
RISK_WINDOW = timedelta(minutes=15)


@dataclass(slots=True)
class Pool:
    team_id: int | None
    name: str
    waiting: int = 0
    oldest_since: datetime | None = None
    by_tier: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TIERS, 0))

    def oldest_wait_seconds(self, now: datetime) -> int:
        return int((now - self.oldest_since).total_seconds()) if self.oldest_since else 0


@dataclass(frozen=True, slots=True)
class ServiceLevel:
    """Open conversations still without a first answer: past their target, or within the warning margin."""

    breached: int
    at_risk: int
    unanswered: int
    breached_by_channel: Mapping[str, int]


def _waiting() -> ColumnElement[bool]:
    return and_(Conversation.status == ConversationStatus.OPEN.value, Conversation.assignee_id.is_(None))


async def queues(session: AsyncSession, viewer: Viewer) -> list[Pool]:
    rows = await session.execute(
        select(Conversation.team_id, Contact.tier, func.count(), func.min(Conversation.last_message_at))
        .join(Contact, Contact.id == Conversation.contact_id)
        .where(_waiting(), conversation_scope(viewer))
        .group_by(Conversation.team_id, Contact.tier)
    )
    team_names = dict((await session.execute(select(Team.id, Team.name))).all())
    pools: dict[int | None, Pool] = {}
    if not viewer.sees_everything:
        # A supervisor's own pools are shown even when empty: an empty queue is news too.
        for own in sorted(viewer.team_ids):
            pools[own] = Pool(own, team_names.get(own, f"Team {own}"))
    for team_id, tier, count, oldest in rows.all():
        pool = pools.get(team_id)
        if pool is None:
            pool = pools[team_id] = Pool(team_id, team_names.get(team_id, SHARED_POOL) if team_id else SHARED_POOL)
        pool.waiting += int(count)
        pool.by_tier[tier if tier in pool.by_tier else "bronze"] += int(count)
        if oldest is not None and (pool.oldest_since is None or oldest < pool.oldest_since):
            pool.oldest_since = oldest
    return sorted(pools.values(), key=lambda pool: (pool.team_id is None, pool.name))


def _overdue(now: datetime, targets: Mapping[str, int], margin: float) -> tuple[ColumnElement[bool], ...]:
    """(past the target, within the warning margin of it), per channel's target, or the conversation's own due
    time where one was set. Times are compared against values computed here, so the SQL is the same on every
    database."""
    breached: list[ColumnElement[bool]] = []
    soon: list[ColumnElement[bool]] = []
    for channel, minutes in targets.items():
        target = timedelta(minutes=minutes)
        own = Conversation.channel == channel
        breached.append(and_(own, Conversation.created_at <= now - target))
        soon.append(and_(own, Conversation.created_at <= now - target * margin, Conversation.created_at > now - target))
    no_own_due = Conversation.first_response_due_at.is_(None)
    return (
        or_(Conversation.first_response_due_at <= now, and_(no_own_due, or_(*breached))),
        or_(
            and_(Conversation.first_response_due_at > now, Conversation.first_response_due_at <= now + RISK_WINDOW),
            and_(no_own_due, or_(*soon)),
        ),
    )


async def service_level(
    session: AsyncSession, viewer: Viewer, now: datetime, targets: Mapping[str, int], margin: float
) -> ServiceLevel:
    breached, soon = _overdue(now, targets, margin)
    unanswered = and_(Conversation.status == ConversationStatus.OPEN.value, Conversation.first_response_at.is_(None))
    rows = await session.execute(
        select(
            Conversation.channel,
            func.count(),
            func.sum(case((breached, 1), else_=0)),
            func.sum(case((soon, 1), else_=0)),
        )
        .where(unanswered, conversation_scope(viewer))
        .group_by(Conversation.channel)
    )
    by_channel: dict[str, int] = {}
    total = late = risky = 0
    for channel, count, breached_count, risky_count in rows.all():
        total += int(count)
        late += int(breached_count or 0)
        risky += int(risky_count or 0)
        by_channel[channel] = int(breached_count or 0)
    return ServiceLevel(late, risky, total, by_channel)

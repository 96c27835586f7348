"""Follow-up visits for the agents' "Follow-ups" page: those due by the end of the agent's day (overdue ones
included) and the coming ones. Read only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inbox.access import Viewer, visible_conversation
from inbox.models import Agent, Contact, Conversation, FollowUp, FollowUpStatus, agent_teams


def end_of_day(now: datetime, timezone: str) -> datetime:
    """Midnight at the end of ``now``'s day where the agent works: "due today" means the agent's today."""
    try:
        zone = ZoneInfo(timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = now.astimezone(zone)
    return datetime.combine(local.date() + timedelta(days=1), time(), tzinfo=zone)


@dataclass(frozen=True, slots=True)
class FollowUpLine:
    follow_up: FollowUp
    customer: str | None
    subject: str | None
    channel: str
    overdue: bool


async def agent_follow_ups(
    session: AsyncSession, agent_id: int, now: datetime, *, horizon_days: int = 7
) -> tuple[list[FollowUpLine], list[FollowUpLine]]:
    """(due by the end of today, including overdue; due within the next ``horizon_days`` after that)."""
    agent = await session.get(Agent, agent_id)
    today_ends = end_of_day(now, agent.timezone if agent is not None else "UTC")
    rows = await session.execute(
        select(FollowUp, Contact.name, Conversation.subject, Conversation.channel)
        .join(Conversation, Conversation.id == FollowUp.conversation_id)
        .join(Contact, Contact.id == FollowUp.contact_id)
        .where(
            FollowUp.agent_id == agent_id,
            FollowUp.status == FollowUpStatus.PENDING,
            FollowUp.due_at < today_ends + timedelta(days=horizon_days),
        )
        .order_by(FollowUp.due_at, FollowUp.id)
    )
    today: list[FollowUpLine] = []
    later: list[FollowUpLine] = []
    for follow_up, name, subject, channel in rows.all():
        line = FollowUpLine(follow_up, name, subject, channel, follow_up.due_at < now)
        (today if follow_up.due_at < today_ends else later).append(line)
    return today, later


async def overseen_agent(session: AsyncSession, viewer: Viewer, agent_id: int) -> Agent | None:
    """An agent whose follow-ups the viewer may look at: themselves, or, for a supervisor, a member of their teams."""
    agent = await session.get(Agent, agent_id)
    if agent is None or agent_id == viewer.agent_id or viewer.sees_everything:
        return agent
    if not viewer.oversees_teams:
        return None
    shared = await session.execute(
        select(agent_teams.c.team_id)
        .where(agent_teams.c.agent_id == agent_id, agent_teams.c.team_id.in_(viewer.team_ids))
        .limit(1)
    )
    return agent if shared.scalar_one_or_none() is not None else None


async def follow_up_for(session: AsyncSession, viewer: Viewer, follow_up_id: int) -> FollowUp | None:
    """A follow-up its owner may work on, or a supervisor who can read its conversation; None otherwise."""
    follow_up = await session.get(FollowUp, follow_up_id)
    if follow_up is None:
        return None
    if follow_up.agent_id == viewer.agent_id and viewer.reads_conversations:
        return follow_up
    if viewer.oversees_teams and await visible_conversation(session, viewer, follow_up.conversation_id) is not None:
        return follow_up
    return None

"""The supervisor's view of the people: presence (as the router sees it, a silent screen counting as away), load
per channel against capacity, and the conversations each holds now.

Three set-based queries (people, loads, current conversations), bounded by the number of people in view.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from inbox.access import ROLE_ADMIN, ROLE_AGENT, ROLE_SUPERVISOR, Viewer
from inbox.models import Agent, Contact, Conversation, ConversationStatus, agent_teams
from router import DEFAULT_CAPACITY

HANDLING_ROLES = (ROLE_AGENT, ROLE_SUPERVISOR, ROLE_ADMIN)
# Each person's list shows their most recent conversations; the count says how many there are in all.
CURRENT_SHOWN = 5
# Held conversations: open ones occupy capacity; pending ones wait on the customer but are still the agent's.
CURRENT_STATUSES = (ConversationStatus.OPEN.value, ConversationStatus.PENDING.value)


@dataclass(frozen=True, slots=True)
class Held:
    conversation_id: int
    subject: str | None
    channel: str
    status: str
    contact_name: str | None


@dataclass(slots=True)
class AgentRow:
    agent_id: int
    name: str
    role: str
    presence: str
    silent: bool
    last_seen_at: datetime | None
    load: dict[str, int] = field(default_factory=dict)
    limits: dict[str, int] = field(default_factory=dict)
    held_count: int = 0
    current: list[Held] = field(default_factory=list)

    @property
    def shown_presence(self) -> str:
        return "away" if self.silent else self.presence

    @property
    def occupancy(self) -> float:
        """The share of the agent's capacity units their open conversations take (a call takes it all)."""
        return min(1.0, DEFAULT_CAPACITY.units_used(self.load) / DEFAULT_CAPACITY.total_units)


def people_scope(viewer: Viewer) -> ColumnElement[bool]:
    """The people a viewer oversees: an admin everyone, a supervisor the members of their teams."""
    if viewer.sees_everything:
        return true()
    return Agent.id.in_(select(agent_teams.c.agent_id).where(agent_teams.c.team_id.in_(list(viewer.team_ids))))


async def agents_overview(
    session: AsyncSession, viewer: Viewer, now: datetime, away_after: timedelta
) -> list[AgentRow]:
    if not viewer.oversees_teams:
        return []
    people = (
        await session.execute(
            select(Agent)
            .where(Agent.active.is_(True), Agent.role.in_(HANDLING_ROLES), people_scope(viewer))
            .order_by(Agent.name, Agent.id)
        )
    ).scalars()
    rows: dict[int, AgentRow] = {}
    for agent in people:
        silent = (
            agent.presence in ("online", "busy")
            and agent.last_seen_at is not None
            and now - agent.last_seen_at >= away_after
        )
        rows[agent.id] = AgentRow(
            agent.id,
            agent.name,
            agent.role,
            agent.presence,
            silent,
            agent.last_seen_at,
            limits=dict(agent.capacity or {}),
        )
    if not rows:
        return []
    ids = list(rows)
    loads = await session.execute(
        select(Conversation.assignee_id, Conversation.channel, Conversation.status, func.count())
        .where(Conversation.assignee_id.in_(ids), Conversation.status.in_(CURRENT_STATUSES))
        .group_by(Conversation.assignee_id, Conversation.channel, Conversation.status)
    )
    for assignee_id, channel, status, count in loads.all():
        if assignee_id is None:
            continue
        row = rows[assignee_id]
        row.held_count += int(count)
        if status == ConversationStatus.OPEN.value:
            row.load[channel] = row.load.get(channel, 0) + int(count)
    # Each person's few most recent, ranked per person in the database, so one busy person cannot crowd out others.
    rank = (
        func.row_number()
        .over(
            partition_by=Conversation.assignee_id,
            order_by=(Conversation.last_message_at.desc(), Conversation.id.desc()),
        )
        .label("rank")
    )
    ranked = (
        select(
            Conversation.assignee_id,
            Conversation.id,
            Conversation.subject,
            Conversation.channel,
            Conversation.status,
            Contact.name,
            rank,
        )
        .join(Contact, Contact.id == Conversation.contact_id)
        .where(Conversation.assignee_id.in_(ids), Conversation.status.in_(CURRENT_STATUSES))
        .subquery()
    )
    held = await session.execute(
        select(*(column for column in ranked.c if column.name != "rank"))
        .where(ranked.c.rank <= CURRENT_SHOWN)
        .order_by(ranked.c.assignee_id, ranked.c.rank)
    )
    for assignee_id, conversation_id, subject, channel, status, contact_name in held.all():
        rows[assignee_id].current.append(Held(conversation_id, subject, channel, status, contact_name))
    return list(rows.values())

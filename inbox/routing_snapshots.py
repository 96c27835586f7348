"""Turning store rows into the router's snapshots. Read-only: the router decides, an action applies."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from inbox.models import Agent, Contact, Conversation, ConversationStatus
from router import AgentSnapshot, Boosts, CapacityProfile, Presence, RelationshipClass, Tier, WorkItem

# What occupies an agent: open conversations. A pending one waits on the customer, so it takes no capacity until
# the customer writes again and it reopens.
HELD_STATUSES = (ConversationStatus.OPEN.value,)


def _presence(value: str) -> Presence:
    try:
        return Presence(value)
    except ValueError:
        return Presence.OFFLINE


def _tier(value: str) -> Tier:
    try:
        return Tier[value.upper()]
    except KeyError:
        return Tier.BRONZE


async def agent_snapshots(session: AsyncSession, only: Collection[int] | None = None) -> list[AgentSnapshot]:
    """Every active agent, or only those in ``only`` (a drain looks at the few agents it holds)."""
    agents_query = select(Agent).where(Agent.active.is_(True)).options(selectinload(Agent.teams))
    held_query = (
        select(Conversation.assignee_id, Conversation.channel, func.count())
        .where(Conversation.assignee_id.is_not(None), Conversation.status.in_(HELD_STATUSES))
        .group_by(Conversation.assignee_id, Conversation.channel)
    )
    if only is not None:
        agents_query = agents_query.where(Agent.id.in_(list(only)))
        held_query = held_query.where(Conversation.assignee_id.in_(list(only)))
    agents = (await session.execute(agents_query)).scalars().all()
    load: dict[int, dict[str, int]] = defaultdict(dict)
    held = await session.execute(held_query)
    for agent_id, channel, count in held.all():
        if agent_id is not None:
            load[agent_id][channel] = count
    snapshots = []
    for agent in agents:
        default = CapacityProfile()
        capacity = CapacityProfile(weights=default.weights, limits=dict(agent.capacity)) if agent.capacity else default
        since = agent.idle_since or agent.created_at
        snapshots.append(
            AgentSnapshot(
                agent_id=agent.id,
                presence=_presence(agent.presence),
                last_heartbeat=agent.last_seen_at.timestamp() if agent.last_seen_at else None,
                team_id=agent.teams[0].id if agent.teams else None,
                skills=frozenset(agent.skills or ()),
                languages=frozenset(agent.languages or ()),
                capacity=capacity,
                load=load.get(agent.id, {}),
                available_since=since.timestamp(),
            )
        )
    return snapshots


def work_item(conversation: Conversation, contact: Contact, last_agent_id: int | None, now: datetime) -> WorkItem:
    del now
    return WorkItem(
        conversation_id=conversation.id,
        channel=conversation.channel,
        arrived_at=conversation.last_message_at.timestamp(),
        tier=_tier(contact.tier),
        boosts=Boosts(
            open_complaint=conversation.is_complaint,
            at_risk_customer=contact.relationship_class == RelationshipClass.AT_RISK.value,
            key_account=contact.is_key_account,
        ),
        owner_agent_id=contact.owner_agent_id,
        last_agent_id=last_agent_id,
        team_id=conversation.team_id,
        language=contact.language,
    )


def work_item_for_call(
    conversation: Conversation | None, contact: Contact | None, team_id: int | None, now: datetime
) -> WorkItem:
    """A live call as the router sees it; a caller the hub has never met is a plain bronze customer."""
    return WorkItem(
        conversation_id=conversation.id if conversation is not None else 0,
        channel="phone",
        arrived_at=(conversation.created_at if conversation is not None else now).timestamp(),
        tier=_tier(contact.tier) if contact is not None else Tier.BRONZE,
        boosts=Boosts(
            at_risk_customer=contact is not None and contact.relationship_class == RelationshipClass.AT_RISK.value,
            key_account=contact is not None and contact.is_key_account,
        ),
        owner_agent_id=contact.owner_agent_id if contact is not None else None,
        team_id=team_id if team_id is not None else (conversation.team_id if conversation is not None else None),
        language=contact.language if contact is not None else None,
    )

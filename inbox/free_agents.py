"""Holding agents while work is placed on them: row locks taken with ``SKIP LOCKED``, so a drain never waits.

A drain that only ever skips, never waits, cannot be part of a deadlock, whatever order the route job or the
presence action take their locks in. Skipping also shares the agents out: concurrent drains each hold a
different handful, and the loads read under the lock are exact until commit.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ScalarSelect, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from inbox.models import Agent, Conversation
from inbox.routing_snapshots import HELD_STATUSES
from router import DEFAULT_CAPACITY, CapacityProfile


def _held_units(profile: CapacityProfile) -> ScalarSelect[Any]:
    weight = case(dict(profile.weights), value=Conversation.channel, else_=0)
    return (
        select(func.coalesce(func.sum(weight), 0))
        .where(Conversation.assignee_id == Agent.id, Conversation.status.in_(HELD_STATUSES))
        .correlate(Agent)
        .scalar_subquery()
    )


async def hold_free_agents(
    session: AsyncSession,
    *,
    limit: int,
    skip: Collection[int] = (),
    profile: CapacityProfile = DEFAULT_CAPACITY,
) -> list[int]:
    """Lock up to ``limit`` online agents with room for at least the lightest conversation, longest idle first
    (the default strategy's order, so the handful held is the handful most likely to be chosen)."""
    room = profile.total_units - min(profile.weights.values(), default=profile.total_units)
    query = (
        select(Agent.id)
        .where(Agent.active.is_(True), Agent.presence == "online", _held_units(profile) <= room)
        .order_by(func.coalesce(Agent.idle_since, Agent.created_at), Agent.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=Agent)
    )
    if skip:
        query = query.where(Agent.id.not_in(list(skip)))
    return list((await session.execute(query)).scalars().all())


async def hold_agents(session: AsyncSession, agent_ids: Collection[int]) -> list[int]:
    """Lock those of ``agent_ids`` that nobody else holds."""
    if not agent_ids:
        return []
    query = select(Agent.id).where(Agent.id.in_(list(agent_ids))).order_by(Agent.id)
    return list((await session.execute(query.with_for_update(skip_locked=True, of=Agent))).scalars().all())

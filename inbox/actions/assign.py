"""Applying a routing decision: an atomic claim, so two workers can never assign one conversation twice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from inbox import audit
from inbox.models import Agent, Conversation, ConversationStatus, utcnow
from inbox.routing_snapshots import HELD_STATUSES
from inbox.store import Store

CapacityCheck = Callable[[dict[str, int]], bool]


async def _agent_load(session: AsyncSession, agent_id: int, dialect: str) -> dict[str, int]:
    """The agent's held conversations per channel, with the agent's row locked on PostgreSQL so that two
    routers filling the same agent's last free slot take turns (SQLite writers already do)."""
    if dialect == "postgresql":
        await session.execute(select(Agent.id).where(Agent.id == agent_id).with_for_update())
    held = await session.execute(
        select(Conversation.channel, func.count())
        .where(
            Conversation.assignee_id == agent_id,
            Conversation.status.in_(HELD_STATUSES),
        )
        .group_by(Conversation.channel)
    )
    return {channel: count for channel, count in held.all()}


async def do_apply_routing(
    store: Store,
    conversation_id: int,
    agent_id: int | None,
    explanation: dict[str, Any],
    *,
    still_fits: CapacityCheck | None = None,
) -> bool:
    """Assign when ``agent_id`` is set, the conversation is still open and unassigned, and — checked under the
    agent's lock against what they hold now — ``still_fits`` the agent's capacity. Always record the
    explanation so supervisors see why it went where it did, or why it still waits. True when assigned."""
    async with store.write() as session:
        assigned = False
        if agent_id is not None and still_fits is not None:
            load = await _agent_load(session, agent_id, store.dialect)
            if not still_fits(load):
                explanation = {**explanation, "claim": f"agent {agent_id} filled up meanwhile", "load": load}
                agent_id = None
        if agent_id is not None:
            result = await session.execute(
                update(Conversation)
                .where(
                    Conversation.id == conversation_id,
                    Conversation.assignee_id.is_(None),
                    Conversation.status == ConversationStatus.OPEN.value,
                )
                .values(assignee_id=agent_id)
            )
            assigned = result.rowcount == 1  # type: ignore[attr-defined]
            if assigned:
                await session.execute(update(Agent).where(Agent.id == agent_id).values(idle_since=utcnow()))
        audit.record(
            session,
            "routing.decision",
            conversation_id=conversation_id,
            agent_id=agent_id if assigned else None,
            assigned=assigned,
            explanation=explanation,
        )
        return assigned

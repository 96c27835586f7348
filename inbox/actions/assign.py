"""Applying a routing decision: an atomic claim, so two workers can never assign one conversation twice."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from inbox import audit
from inbox.models import Agent, Conversation, ConversationStatus, utcnow
from inbox.store import Store


async def do_apply_routing(
    store: Store, conversation_id: int, agent_id: int | None, explanation: dict[str, Any]
) -> bool:
    """Assign when ``agent_id`` is set and the conversation is still open and unassigned; always record the
    explanation so supervisors see why it went where it did, or why it still waits. True when assigned."""
    async with store.write() as session:
        assigned = False
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

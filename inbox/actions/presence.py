"""An agent's presence changing, and what it does to the queue.

Coming online frees capacity, so the queue is drained. Going offline hands back the work the agent has not
started (no reply sent yet): it waits again, keeping its original place, since the key is computed from when
the customer last wrote. Work the agent has already answered stays theirs: the customer expects the same
person.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, exists, select, update

from inbox import audit, outbox
from inbox.models import Agent, Conversation, ConversationStatus, Direction, Message
from inbox.store import Store
from router import Presence


class PresenceRefused(Exception):
    """The change cannot be made; the reason is written for the person asking."""


@dataclass(frozen=True, slots=True)
class PresenceChange:
    before: str
    after: str
    requeued: tuple[int, ...] = ()


def _unstarted(agent_id: int) -> ColumnElement[bool]:
    answered = exists().where(
        Message.conversation_id == Conversation.id,
        Message.direction == Direction.OUTBOUND.value,
        Message.sender_agent_id.is_not(None),
    )
    return (Conversation.assignee_id == agent_id) & (Conversation.status == ConversationStatus.OPEN.value) & ~answered


async def do_set_presence(
    store: Store, *, agent_id: int, presence: str, actor_agent_id: int | None = None
) -> PresenceChange:
    try:
        wanted = Presence(presence)
    except ValueError as exc:
        raise PresenceRefused(f"presence must be one of {', '.join(p.value for p in Presence)}") from exc
    async with store.write() as session:
        # The agent's row lock is what a router holds while placing work on them, so no assignment can slip in
        # between the hand-back below and the commit.
        agent = (
            await session.execute(select(Agent).where(Agent.id == agent_id).with_for_update())
        ).scalar_one_or_none()
        if agent is None:
            raise PresenceRefused(f"agent {agent_id} does not exist")
        before = agent.presence
        if before == wanted.value:
            return PresenceChange(before, before)
        agent.presence = wanted.value
        audit.record(
            session,
            "agent.presence_changed",
            actor_agent_id=actor_agent_id,
            agent_id=agent_id,
            before=before,
            after=wanted.value,
        )
        requeued: tuple[int, ...] = ()
        if wanted is Presence.OFFLINE:
            result = await session.execute(
                update(Conversation)
                .where(_unstarted(agent_id))
                .values(assignee_id=None)
                .returning(Conversation.id)
                .execution_options(synchronize_session=False)
            )
            requeued = tuple(sorted(result.scalars().all()))
            for conversation_id in requeued:
                audit.record(
                    session,
                    "routing.requeued",
                    actor_agent_id=actor_agent_id,
                    conversation_id=conversation_id,
                    agent_id=agent_id,
                    reason="agent went offline before replying",
                )
        if requeued or wanted is Presence.ONLINE:
            await outbox.queue_drain(session, f"agent {agent_id} {wanted.value}")
        return PresenceChange(before, wanted.value, requeued)

"""An agent's presence changing, and what it does to the queue.

Coming online frees capacity, so the queue is drained. Going offline hands back the work the agent has not
started (no reply sent yet): it waits again, keeping its original place, since the key is computed from when
the customer last wrote. Work the agent has already answered stays theirs: the customer expects the same
person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, exists, select, update

from inbox import audit, outbox
from inbox.models import Agent, Conversation, ConversationStatus, Direction, Event, Message, utcnow
from inbox.store import Store
from router import Presence

# Written on the audit row when silence, not the agent, made them away: only such an away is undone when they
# come back; an away the agent chose stays until they change it.
CONNECTION_LOST = "connection lost"
# Presences that expect someone at the screen: these turn into away when the screen goes quiet.
ATTENDED = (Presence.ONLINE.value, Presence.BUSY.value)


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


async def do_record_heartbeat(store: Store, *, agent_id: int, now: datetime | None = None) -> PresenceChange | None:
    """The agent's screen is connected: note when, and if silence had made them away, put them back as they
    were (coming back online drains the queue). Returns the change, if there was one."""
    now = now or utcnow()
    async with store.write() as session:
        agent = (
            await session.execute(select(Agent).where(Agent.id == agent_id).with_for_update())
        ).scalar_one_or_none()
        if agent is None:
            return None
        agent.last_seen_at = now
        if agent.presence != Presence.AWAY.value:
            return None
        last = (
            await session.execute(
                select(Event.data)
                .where(Event.kind == "agent.presence_changed", Event.data["agent_id"].as_integer() == agent_id)
                .order_by(Event.id.desc())
                .limit(1)
            )
        ).scalar_one_or_none()
        if not last or last.get("reason") != CONNECTION_LOST or last.get("before") not in ATTENDED:
            return None
        back = str(last["before"])
        agent.presence = back
        audit.record(
            session, "agent.presence_changed", agent_id=agent_id, before=Presence.AWAY.value, after=back, reason="back"
        )
        if back == Presence.ONLINE.value:
            await outbox.queue_drain(session, f"agent {agent_id} back online")
        return PresenceChange(Presence.AWAY.value, back)


async def do_mark_silent_agents_away(
    store: Store, *, silent_for: timedelta, now: datetime | None = None, agent_ids: list[int] | None = None
) -> list[int]:
    """Agents whose screen has been silent for ``silent_for`` while online or busy become away: their
    conversations stay theirs, but no new work is sent. Agents whose screens never sent a heartbeat (a phone-only
    seat, an API client) are left as they are. Returns who changed."""
    now = now or utcnow()
    async with store.write() as session:
        query = select(Agent).where(
            Agent.active.is_(True),
            Agent.presence.in_(ATTENDED),
            Agent.last_seen_at.is_not(None),
            Agent.last_seen_at <= now - silent_for,
        )
        if agent_ids is not None:
            query = query.where(Agent.id.in_(agent_ids))
        # An agent someone else holds (a router placing work, a heartbeat) is looked at on the next sweep.
        silent = (await session.execute(query.order_by(Agent.id).with_for_update(skip_locked=True))).scalars().all()
        for agent in silent:
            before, agent.presence = agent.presence, Presence.AWAY.value
            audit.record(
                session,
                "agent.presence_changed",
                agent_id=agent.id,
                before=before,
                after=Presence.AWAY.value,
                reason=CONNECTION_LOST,
            )
        return [agent.id for agent in silent]

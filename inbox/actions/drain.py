"""Draining the waiting queue when capacity frees: the best waiting conversations onto agents with room.

Each batch is one transaction: the best waiting conversations nobody else holds are locked, then a handful of
free agents nobody else holds; the router's engine, loaded with just those agents (their loads are exact
because they are locked), places the conversations in priority order; the assignments, the agents' idle clocks
and one "routing.decision" event per assignment are written together.
A placement on a synchronous channel (a call-back, a chat) is an offer rather than a final assignment: the
conversation is held by the agent, which reserves their capacity, until they accept, decline or let it expire
(see ``inbox.actions.offer_claims``); agents already asked during the conversation's wait are passed over.
Several drains can run side by side: they lock different rows and never wait for each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, update
from sqlalchemy.ext.asyncio import AsyncSession

from inbox import audit
from inbox.actions.offer_claims import open_offers_for_claims
from inbox.free_agents import hold_agents, hold_free_agents
from inbox.models import Agent, Conversation, ConversationStatus, utcnow
from inbox.routing_snapshots import agent_snapshots
from inbox.store import Store
from inbox.waiting_queue import Waiting, claim_waiting
from inbox.webhook_events import CONVERSATION_ASSIGNED, enqueue_webhook_events
from router import AgentSnapshot, Decision, RouterPolicy, RoutingEngine, WorkItem

# A batch costs one pass over the waiting queue to find its best rows, so batches are large; the agents held
# must offer room for about a batch (an agent takes up to ten emails, three chats, one call).
BATCH_SIZE = 500
AGENTS_PER_BATCH = 100


@dataclass(slots=True)
class DrainOutcome:
    # Conversations placed with an agent, offers included.
    assigned: int = 0
    batches: int = 0
    # Of those, the ones offered (synchronous channels) rather than assigned outright.
    offered: int = 0


@dataclass(slots=True)
class _Pass:
    """What one drain call has learned so far, so that later batches look elsewhere."""

    # Agents held in a batch that placed nothing on them: the queue's head does not fit them.
    agents_tried: set[int] = field(default_factory=set)
    # Conversations no free agent could take when every free agent was looked at.
    passed_over: set[int] = field(default_factory=set)


def _place(
    waiting: Sequence[Waiting], agents: Sequence[AgentSnapshot], held: set[int], now: float, policy: RouterPolicy
) -> list[Decision]:
    """Offer the conversations to an engine holding just these agents, in priority order; the engine counts
    each placement against the agent at once and explains its choice without listing every agent."""
    engine = RoutingEngine(policy)
    for snapshot in agents:
        engine.upsert_agent(snapshot, now)
    synthetic = 0
    for snapshot in agents:
        # The engine counts load by the conversations an agent holds; which ones does not matter here, only
        # how many on each channel, so stand-ins with ids no real conversation has will do.
        for channel, count in snapshot.load.items():
            for _ in range(count):
                synthetic -= 1
                engine.restore_assignment(WorkItem(synthetic, channel, 0.0), snapshot.agent_id, now)
    placed: list[Decision] = []
    for entry in waiting:
        for decision in engine.conversation_arrived(entry.item, now):
            # An agent someone else holds was only there so that their ring is judged right; what the engine
            # gives them waits for another drain.
            if decision.agent_id in held and decision.conversation_id > 0:
                placed.append(decision)
    return placed


_CONVERSATIONS: Table = Conversation.__table__  # type: ignore[assignment]
_ASSIGN = (
    update(_CONVERSATIONS)
    .where(
        _CONVERSATIONS.c.id == bindparam("conversation"),
        _CONVERSATIONS.c.assignee_id.is_(None),
        _CONVERSATIONS.c.status == ConversationStatus.OPEN.value,
    )
    .values(assignee_id=bindparam("agent"))
)


async def _write(
    session: AsyncSession, placed: Sequence[Decision], at: datetime, policy: RouterPolicy
) -> tuple[int, int]:
    """Claim the placements; returns how many conversations were placed and how many of them are offers."""
    # The rows were claimed under lock in this transaction (or, on SQLite, the one writer is us), so every
    # guarded update matches; one statement run for many rows keeps a batch to a single round of the driver.
    rows = [{"conversation": d.conversation_id, "agent": d.agent_id} for d in placed if d.agent_id is not None]
    await session.execute(_ASSIGN, rows)
    done = {row["conversation"] for row in rows}
    claims = [(d.conversation_id, d.agent_id) for d in placed if d.offer and d.agent_id is not None]
    offers = await open_offers_for_claims(session, claims, timeout_seconds=policy.offer_timeout_seconds, at=at)
    done -= set(offers.handed_back)
    agents = sorted({d.agent_id for d in placed if d.agent_id is not None and d.conversation_id in done})
    if agents:
        await session.execute(
            update(Agent).where(Agent.id.in_(agents)).values(idle_since=at).execution_options(synchronize_session=False)
        )
    expires_at = offers.expires_at.isoformat()
    for decision in placed:
        if decision.conversation_id not in done:
            continue
        offer_id = offers.offer_ids.get(decision.conversation_id)
        # An offer is recorded with its id and deadline: the offered agent's screen rings with it.
        offer: dict[str, Any] = {} if offer_id is None else {"offer_id": offer_id, "expires_at": expires_at}
        audit.record(
            session,
            "routing.decision",
            conversation_id=decision.conversation_id,
            agent_id=decision.agent_id,
            assigned=True,
            explanation=decision.to_dict(),
            via="drain",
            **offer,
        )
    # Subscribers hear of an offered conversation once it is accepted (``do_accept_offer``).
    await enqueue_webhook_events(
        session,
        CONVERSATION_ASSIGNED,
        [
            {"conversation_id": row["conversation"], "assignee_id": row["agent"], "previous_assignee_id": None}
            for row in rows
            if row["conversation"] in done and row["conversation"] not in offers.offer_ids
        ],
    )
    return len(done), len(offers.offer_ids)


async def _batch(
    session: AsyncSession, dialect: str, policy: RouterPolicy, state: _Pass, batch_size: int, agents_per_batch: int
) -> tuple[int, int, bool]:
    """One batch; returns how many were placed, how many of those were offered, and whether there is any
    point in another."""
    at = utcnow()
    waiting = await claim_waiting(
        session,
        limit=batch_size,
        offsets=policy.offsets,
        dialect=dialect,
        skip=state.passed_over,
        offered_channels=policy.synchronous_channels,
    )
    if not waiting:
        return 0, 0, False
    free = await hold_free_agents(session, limit=agents_per_batch, skip=state.agents_tried)
    preferred = {agent for entry in waiting for agent in entry.item.preferred_agents()} - set(free)
    held = set(free) | set(await hold_agents(session, preferred))
    if not held:
        return 0, 0, False
    # The preferred agents someone else holds are still looked at: whether an owner is reachable decides how
    # far the conversation's ring reaches.
    agents = await agent_snapshots(session, held | preferred)
    placed = _place(waiting, agents, held, at.timestamp(), policy)
    assigned, offered = await _write(session, placed, at, policy) if placed else (0, 0)
    used = {decision.agent_id for decision in placed}
    idle = set(free) - {agent for agent in used if agent is not None}
    state.agents_tried |= idle
    if len(free) < agents_per_batch:
        # Every free agent not already tried was held: what none of them could take will not move this call.
        state.passed_over |= {entry.item.conversation_id for entry in waiting} - {d.conversation_id for d in placed}
    return assigned, offered, assigned > 0 or bool(idle) or len(free) < agents_per_batch


async def do_drain_queue(
    store: Store,
    policy: RouterPolicy | None = None,
    *,
    batch_size: int = BATCH_SIZE,
    agents_per_batch: int = AGENTS_PER_BATCH,
    max_batches: int | None = None,
) -> DrainOutcome:
    """Assign waiting conversations, best first, until no free agent can take any of them. Each batch
    commits on its own, so a long drain never holds many locks for long."""
    policy = policy or RouterPolicy()
    state = _Pass()
    outcome = DrainOutcome()
    while max_batches is None or outcome.batches < max_batches:
        seen = (len(state.agents_tried), len(state.passed_over))
        async with store.write() as session:
            assigned, offered, more = await _batch(session, store.dialect, policy, state, batch_size, agents_per_batch)
        outcome.batches += 1
        outcome.assigned += assigned
        outcome.offered += offered
        if not more or (assigned == 0 and seen == (len(state.agents_tried), len(state.passed_over))):
            break
    return outcome

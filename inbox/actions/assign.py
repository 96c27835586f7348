"""Applying routing decisions: an atomic claim, so two workers can never assign one conversation twice, nor fill
an agent past their capacity.

Many decisions are applied in one transaction with a fixed number of statements: the chosen agents are locked
(PostgreSQL; SQLite has one writer at a time) and their loads read under the lock, then the conversations that
still wait are locked, each decision is checked against the agent's load as it stands with the earlier ones
counted, and the claims, the agents' idle clocks and one "routing.decision" event per decision are written.
A claim on a synchronous channel (a call-back, a chat) becomes an offer the agent accepts or declines; the
conversation is held by them meanwhile, which reserves their capacity (see ``inbox.actions.offer_claims``).
Locks are taken agents first, then conversations, each in id order, as every other claim takes them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from inbox.actions.offer_claims import open_offers_for_claims
from inbox.models import Agent, Conversation, ConversationStatus, Event, utcnow
from inbox.routing_plan import Proposal
from inbox.routing_snapshots import HELD_STATUSES
from inbox.store import Store
from inbox.webhook_events import CONVERSATION_ASSIGNED, enqueue_webhook_events
from router import RouterPolicy


@dataclass(slots=True)
class AppliedRouting:
    # Conversations now held by their chosen agent, offers included.
    assigned: set[int] = field(default_factory=set)
    # Conversations whose chosen agent filled up between the decision and the claim, or had already been asked
    # during this wait: worth deciding again.
    bumped: list[int] = field(default_factory=list)
    # Conversation → offer, for those placed on a synchronous channel: the agent has yet to accept.
    offered: dict[int, int] = field(default_factory=dict)


async def _lock_agents(session: AsyncSession, agent_ids: list[int], dialect: str) -> dict[int, dict[str, int]]:
    """The agents' held conversations per channel, with their rows locked on PostgreSQL so that two routers
    filling the same agent's last free slot take turns."""
    if not agent_ids:
        return {}
    if dialect == "postgresql":
        await session.execute(select(Agent.id).where(Agent.id.in_(agent_ids)).order_by(Agent.id).with_for_update())
    held = await session.execute(
        select(Conversation.assignee_id, Conversation.channel, func.count())
        .where(Conversation.assignee_id.in_(agent_ids), Conversation.status.in_(HELD_STATUSES))
        .group_by(Conversation.assignee_id, Conversation.channel)
    )
    loads: dict[int, dict[str, int]] = {agent_id: {} for agent_id in agent_ids}
    for agent_id, channel, count in held.all():
        if agent_id is not None:
            loads[agent_id][channel] = count
    return loads


async def _lock_waiting(session: AsyncSession, conversation_ids: list[int], dialect: str) -> set[int]:
    """Those of the conversations still open and unassigned, locked until commit on PostgreSQL."""
    if not conversation_ids:
        return set()
    query = (
        select(Conversation.id)
        .where(
            Conversation.id.in_(conversation_ids),
            Conversation.assignee_id.is_(None),
            Conversation.status == ConversationStatus.OPEN.value,
        )
        .order_by(Conversation.id)
    )
    if dialect == "postgresql":
        query = query.with_for_update()
    return set((await session.execute(query)).scalars().all())


def _claims(
    proposals: Sequence[Proposal], loads: dict[int, dict[str, int]], waiting: set[int]
) -> tuple[dict[int, list[int]], list[tuple[Proposal, bool, dict[str, Any]]], list[int]]:
    """Which proposals hold under the lock: per agent the conversations to assign, every proposal with its
    verdict and recorded explanation, and the bumped conversations."""
    by_agent: dict[int, list[int]] = defaultdict(list)
    verdicts: list[tuple[Proposal, bool, dict[str, Any]]] = []
    bumped: list[int] = []
    for proposal in proposals:
        explanation = proposal.explanation
        agent_id = proposal.agent_id
        if agent_id is None or proposal.capacity is None:
            verdicts.append((proposal, False, explanation))
            continue
        if proposal.conversation_id not in waiting:
            verdicts.append((proposal, False, {**explanation, "claim": "assigned or closed meanwhile"}))
            continue
        load = loads[agent_id]
        if not proposal.capacity.fits(proposal.channel, load):
            note = {"claim": f"agent {agent_id} filled up meanwhile", "load": dict(load)}
            verdicts.append((proposal, False, {**explanation, **note}))
            bumped.append(proposal.conversation_id)
            continue
        load[proposal.channel] = load.get(proposal.channel, 0) + 1
        by_agent[agent_id].append(proposal.conversation_id)
        verdicts.append((proposal, True, explanation))
    return by_agent, verdicts, bumped


async def do_apply_routings(
    store: Store, proposals: Sequence[Proposal], *, policy: RouterPolicy | None = None
) -> AppliedRouting:
    """Assign each proposal whose agent is set, whose conversation is still open and unassigned, and that —
    checked under the agent's lock against what they hold now and the proposals before it — still fits the
    agent's capacity; on the policy's synchronous channels the assignment is an offer. Every proposal's
    explanation is recorded, so supervisors see why a conversation went where it did, or why it still waits."""
    outcome = AppliedRouting()
    if not proposals:
        return outcome
    policy = policy or RouterPolicy()
    at = utcnow()
    async with store.write() as session:
        agent_ids = sorted({p.agent_id for p in proposals if p.agent_id is not None and p.capacity is not None})
        loads = await _lock_agents(session, agent_ids, store.dialect)
        claimed = [p.conversation_id for p in proposals if p.agent_id in loads]
        waiting = await _lock_waiting(session, sorted(set(claimed)), store.dialect)
        by_agent, verdicts, outcome.bumped = _claims(proposals, loads, waiting)
        for agent_id, conversation_ids in by_agent.items():
            # The rows are locked (or we are SQLite's one writer), so the guard matches every one of them;
            # it stays as the last word on "never assign twice".
            result = await session.execute(
                update(Conversation)
                .where(
                    Conversation.id.in_(conversation_ids),
                    Conversation.assignee_id.is_(None),
                    Conversation.status == ConversationStatus.OPEN.value,
                )
                .values(assignee_id=agent_id)
                .returning(Conversation.id)
                .execution_options(synchronize_session=False)
            )
            outcome.assigned.update(result.scalars().all())
        synchronous = {p.conversation_id for p in proposals if policy.is_synchronous(p.channel)}
        offers = await open_offers_for_claims(
            session,
            [
                (conversation_id, agent_id)
                for agent_id, conversation_ids in by_agent.items()
                for conversation_id in conversation_ids
                if conversation_id in outcome.assigned and conversation_id in synchronous
            ],
            timeout_seconds=policy.offer_timeout_seconds,
            at=at,
        )
        outcome.assigned -= set(offers.handed_back)
        outcome.bumped.extend(offers.handed_back)
        outcome.offered = offers.offer_ids
        if by_agent:
            await session.execute(
                update(Agent)
                .where(Agent.id.in_(sorted(by_agent)))
                .values(idle_since=at)
                .execution_options(synchronize_session=False)
            )
        # Subscribers hear of an offered conversation once it is accepted (``do_accept_offer``).
        await enqueue_webhook_events(
            session,
            CONVERSATION_ASSIGNED,
            [
                {"conversation_id": conversation_id, "assignee_id": agent_id, "previous_assignee_id": None}
                for agent_id, conversation_ids in by_agent.items()
                for conversation_id in conversation_ids
                if conversation_id in outcome.assigned and conversation_id not in outcome.offered
            ],
        )
        expires_at = offers.expires_at.isoformat()
        await session.execute(
            insert(Event),
            [
                {
                    "kind": "routing.decision",
                    "actor_agent_id": None,
                    "contact_id": None,
                    "conversation_id": proposal.conversation_id,
                    "data": _decision_data(proposal, assigned, explanation, outcome, expires_at),
                    "created_at": at,
                }
                for proposal, assigned, explanation in verdicts
            ],
        )
    return outcome


def _decision_data(
    proposal: Proposal, assigned: bool, explanation: dict[str, Any], outcome: AppliedRouting, expires_at: str
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "agent_id": proposal.agent_id if assigned else None,
        "assigned": assigned and proposal.conversation_id in outcome.assigned,
        "explanation": explanation,
    }
    offer_id = outcome.offered.get(proposal.conversation_id)
    if offer_id is not None and data["assigned"]:
        # The offered agent's screen rings with it (see ``inbox.realtime.changes``).
        data.update(offer_id=offer_id, expires_at=expires_at)
    return data

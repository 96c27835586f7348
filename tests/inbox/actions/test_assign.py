from __future__ import annotations

import asyncio

from sqlalchemy import select

from channels.base import Identity, IdentityKind
from inbox.actions.assign import do_apply_routings
from inbox.models import Agent, Conversation, Event
from inbox.routing_plan import Proposal
from router import CapacityProfile
from tests.support.factories import add_agent, inbound, ingest
from workers.context import JobContext

ONE_EMAIL = CapacityProfile(limits={"email": 1})


async def _emails(ctx: JobContext, count: int) -> list[int]:
    ids = []
    for number in range(count):
        sender = Identity(IdentityKind.EMAIL, f"customer{number}@example.com")
        outcome = await ingest(ctx, inbound(external_id=f"m{number}@example.com", sender=sender, subject=f"M{number}"))
        ids.append(outcome.conversation_id)
    return ids


def _offer(conversation_id: int, agent_id: int | None, capacity: CapacityProfile | None = ONE_EMAIL) -> Proposal:
    return Proposal(conversation_id, "email", agent_id, {"why": f"{conversation_id}->{agent_id}"}, capacity)


async def _assignees(ctx: JobContext, ids: list[int]) -> dict[int, int | None]:
    async with ctx.store.read() as session:
        rows = await session.execute(select(Conversation.id, Conversation.assignee_id).where(Conversation.id.in_(ids)))
        return {conversation_id: assignee for conversation_id, assignee in rows.all()}


async def _decisions(ctx: JobContext) -> list[Event]:
    async with ctx.store.read() as session:
        rows = await session.execute(select(Event).where(Event.kind == "routing.decision").order_by(Event.id))
        return list(rows.scalars())


async def test_proposals_in_one_batch_count_against_the_agent_one_after_another(ctx: JobContext) -> None:
    agent = await add_agent(ctx, "Room For One")
    first, second = await _emails(ctx, 2)
    applied = await do_apply_routings(ctx.store, [_offer(first, agent), _offer(second, agent)])
    assert applied.assigned == {first} and applied.bumped == [second]
    assert await _assignees(ctx, [first, second]) == {first: agent, second: None}
    decisions = {event.conversation_id: event.data for event in await _decisions(ctx)}
    assert decisions[first] == {"agent_id": agent, "assigned": True, "explanation": {"why": f"{first}->{agent}"}}
    assert decisions[second]["assigned"] is False and decisions[second]["agent_id"] is None
    assert decisions[second]["explanation"]["claim"] == f"agent {agent} filled up meanwhile"
    assert decisions[second]["explanation"]["load"] == {"email": 1}


async def test_what_an_agent_already_holds_counts_too(ctx: JobContext) -> None:
    agent = await add_agent(ctx, "Room For One")
    first, second = await _emails(ctx, 2)
    await do_apply_routings(ctx.store, [_offer(first, agent)])
    applied = await do_apply_routings(ctx.store, [_offer(second, agent)])
    assert applied.assigned == set() and applied.bumped == [second]


async def test_an_assigned_conversation_is_never_taken_again_and_the_attempt_is_recorded(ctx: JobContext) -> None:
    first_agent = await add_agent(ctx, "First")
    second_agent = await add_agent(ctx, "Second")
    (conversation,) = await _emails(ctx, 1)
    await do_apply_routings(ctx.store, [_offer(conversation, first_agent)])
    again = await do_apply_routings(ctx.store, [_offer(conversation, second_agent)])
    assert again.assigned == set() and again.bumped == []
    assert await _assignees(ctx, [conversation]) == {conversation: first_agent}
    last = (await _decisions(ctx))[-1]
    assert last.data["assigned"] is False and last.data["explanation"]["claim"] == "assigned or closed meanwhile"


async def test_waiting_decisions_are_recorded_with_their_reasons(ctx: JobContext) -> None:
    first, second = await _emails(ctx, 2)
    applied = await do_apply_routings(ctx.store, [_offer(first, None, None), _offer(second, None, None)])
    assert applied.assigned == set() and applied.bumped == []
    assert [(e.conversation_id, e.data["assigned"]) for e in await _decisions(ctx)] == [(first, False), (second, False)]


async def test_taking_work_restarts_the_agents_idle_clock(ctx: JobContext) -> None:
    agent = await add_agent(ctx, "Idle")
    (conversation,) = await _emails(ctx, 1)
    await do_apply_routings(ctx.store, [_offer(conversation, agent)])
    async with ctx.store.read() as session:
        row = await session.get(Agent, agent)
    assert row is not None and row.idle_since is not None


async def test_concurrent_claims_assign_each_conversation_once_and_never_overfill(ctx: JobContext) -> None:
    agents = [await add_agent(ctx, f"Agent {number}") for number in range(3)]
    conversations = await _emails(ctx, 6)
    # Every applier wants every conversation, each on a different agent first: only the locks keep order.
    batches = [
        [_offer(conversation, agents[(index + shift) % 3]) for index, conversation in enumerate(conversations)]
        for shift in range(4)
    ]
    await asyncio.gather(*(do_apply_routings(ctx.store, batch) for batch in batches))
    assignees = await _assignees(ctx, conversations)
    held = [agent for agent in assignees.values() if agent is not None]
    assert sorted(held) == sorted(set(held)), "an agent with room for one email holds one"
    assert len(held) == 3
    assigned_events = [e for e in await _decisions(ctx) if e.data["assigned"]]
    assert {e.conversation_id for e in assigned_events} == {c for c, a in assignees.items() if a}
    assert len(assigned_events) == 3

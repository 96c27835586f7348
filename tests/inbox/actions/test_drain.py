from __future__ import annotations

import asyncio
from collections import Counter, defaultdict

from sqlalchemy import select

from channels.base import ChannelName, Identity, IdentityKind, ThreadHints
from inbox.actions.drain import do_drain_queue
from inbox.models import Agent, Conversation, Event
from inbox.routing_snapshots import agent_snapshots
from tests.support.factories import add_agent, inbound, ingest, update_contact
from workers.context import JobContext


async def _waiting_email(ctx: JobContext, number: int, tier: str = "bronze") -> int:
    """A new conversation from a customer of their own, left unrouted: the route jobs ingest queues are not
    run, so only the drain places it."""
    sender = Identity(IdentityKind.EMAIL, f"customer{number}@example.com", f"Customer {number}")
    outcome = await ingest(
        ctx, inbound(external_id=f"m{number}@example.com", sender=sender, subject=f"Matter {number}")
    )
    if tier != "bronze":
        await update_contact(ctx, outcome.contact_id, tier=tier)
    return outcome.conversation_id


async def _waiting_call(ctx: JobContext, number: int) -> int:
    outcome = await ingest(
        ctx,
        inbound(
            ChannelName.PHONE,
            f"call:CA{number}:ringing",
            sender=Identity(IdentityKind.PHONE, f"+1415555{number:04d}"),
            thread=ThreadHints(session_key=f"call:CA{number}"),
        ),
    )
    return outcome.conversation_id


async def _assignees(ctx: JobContext) -> dict[int, int | None]:
    async with ctx.store.read() as session:
        rows = await session.execute(select(Conversation.id, Conversation.assignee_id))
        return {conversation_id: assignee for conversation_id, assignee in rows.all()}


async def _drain_decisions(ctx: JobContext) -> list[Event]:
    async with ctx.store.read() as session:
        events = await session.execute(select(Event).where(Event.kind == "routing.decision").order_by(Event.id))
        return [event for event in events.scalars() if event.data.get("via") == "drain"]


async def _assert_within_capacity(ctx: JobContext) -> None:
    async with ctx.store.read() as session:
        for snapshot in await agent_snapshots(session):
            used = snapshot.capacity.units_used(snapshot.load)
            assert used <= snapshot.capacity.total_units, f"agent {snapshot.agent_id} holds {used} units"
            for channel, limit in snapshot.capacity.limits.items():
                assert snapshot.load.get(channel, 0) <= limit, f"agent {snapshot.agent_id} over on {channel}"


async def test_top_tiers_are_drained_first_and_each_decision_is_explained(ctx: JobContext) -> None:
    # Oldest first, so that arrival order alone would pick the bronze and silver customers.
    bronze = await _waiting_email(ctx, 1, "bronze")
    silver = await _waiting_email(ctx, 2, "silver")
    gold = await _waiting_email(ctx, 3, "gold")
    platinum = await _waiting_email(ctx, 4, "platinum")
    agent = await add_agent(ctx, "Two Emails", capacity={"email": 2})

    outcome = await do_drain_queue(ctx.store)

    assert outcome.assigned == 2
    assignees = await _assignees(ctx)
    assert {assignees[platinum], assignees[gold]} == {agent}
    assert assignees[silver] is None and assignees[bronze] is None
    decisions = await _drain_decisions(ctx)
    assert [event.conversation_id for event in decisions] == [platinum, gold]
    explanation = decisions[0].data["explanation"]["explanation"]
    assert explanation["chosen_agent_id"] == agent and explanation["tier"] == "platinum"
    assert decisions[0].data["assigned"] is True
    assert explanation["priority_key"] < decisions[1].data["explanation"]["explanation"]["priority_key"]


async def test_a_drain_fills_free_capacity_and_never_more(ctx: JobContext) -> None:
    emails = [await _waiting_email(ctx, number) for number in range(12)]
    calls = [await _waiting_call(ctx, number) for number in range(2)]
    agents = [await add_agent(ctx, f"Agent {number}", capacity={"email": 3}) for number in range(3)]
    await add_agent(ctx, "Gone Home", presence="offline")

    outcome = await do_drain_queue(ctx.store, batch_size=4, agents_per_batch=2)

    await _assert_within_capacity(ctx)
    assignees = await _assignees(ctx)
    assert outcome.assigned == sum(1 for cid in emails + calls if assignees[cid] is not None)
    assert {assignees[cid] for cid in emails + calls} - {None} <= set(agents)
    # Nothing left waiting could have fitted anywhere: the drain stopped because the agents were full.
    async with ctx.store.read() as session:
        snapshots = [s for s in await agent_snapshots(session) if s.agent_id in agents]
        waiting = (
            await session.execute(select(Conversation.channel).where(Conversation.assignee_id.is_(None)))
        ).scalars()
        for channel in waiting:
            assert not any(s.capacity.fits(channel, s.load) for s in snapshots), channel


async def test_four_concurrent_drains_assign_each_conversation_once_and_never_overfill(ctx: JobContext) -> None:
    conversations = [
        await _waiting_email(ctx, number, ("platinum", "gold", "bronze")[number % 3]) for number in range(40)
    ]
    agents = [await add_agent(ctx, f"Agent {number}", capacity={"email": 4}) for number in range(5)]

    # Small batches, so the four interleave over many transactions instead of one finishing first.
    outcomes = await asyncio.gather(*(do_drain_queue(ctx.store, batch_size=3, agents_per_batch=2) for _ in range(4)))

    assignees = await _assignees(ctx)
    assigned = [cid for cid in conversations if assignees[cid] is not None]
    decisions = await _drain_decisions(ctx)
    per_conversation = Counter(event.conversation_id for event in decisions)
    assert per_conversation and max(per_conversation.values()) == 1, "a conversation was assigned twice"
    assert set(per_conversation) == set(assigned)
    assert sum(outcome.assigned for outcome in outcomes) == len(assigned) == 20
    held: dict[int | None, int] = defaultdict(int)
    for cid in assigned:
        held[assignees[cid]] += 1
    assert set(held) <= set(agents) and max(held.values()) <= 4
    await _assert_within_capacity(ctx)


async def test_an_agent_offline_or_inactive_takes_nothing(ctx: JobContext) -> None:
    conversation = await _waiting_email(ctx, 1)
    await add_agent(ctx, "Offline", presence="offline")
    async with ctx.store.write() as session:
        session.add(
            Agent(
                name="Left",
                email="left@hub.example",
                presence="online",
                active=False,
                skills=[],
                languages=[],
                capacity={},
                schedule={},
            )
        )

    outcome = await do_drain_queue(ctx.store)

    assert outcome.assigned == 0
    assert (await _assignees(ctx))[conversation] is None

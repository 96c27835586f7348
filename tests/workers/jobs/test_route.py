from __future__ import annotations

from sqlalchemy import select

from inbox.models import Conversation, Event
from tests.support.factories import add_agent, inbound, ingest, update_contact
from tests.support.jobs import JobDriver
from workers.context import JobContext


async def conversation(ctx: JobContext, conversation_id: int) -> Conversation:
    async with ctx.store.read() as session:
        row = await session.get(Conversation, conversation_id)
    assert row is not None
    return row


async def test_an_inbound_message_is_assigned_to_an_available_agent(ctx: JobContext, jobs: JobDriver) -> None:
    await add_agent(ctx, "Away Agent", presence="offline")
    online = await add_agent(ctx, "Chen Jing", presence="online")
    outcome = await ingest(ctx, inbound())
    await jobs.drain()
    assert (await conversation(ctx, outcome.conversation_id)).assignee_id == online
    async with ctx.store.read() as session:
        decision = (await session.execute(select(Event).where(Event.kind == "routing.decision"))).scalar_one()
    explanation = decision.data["explanation"]["explanation"]
    assert decision.data["assigned"] is True
    assert {verdict["agent_id"] for verdict in explanation["verdicts"]} == {online, online - 1}


async def test_with_no_agent_online_the_conversation_waits_and_says_why(ctx: JobContext, jobs: JobDriver) -> None:
    await add_agent(ctx, "Off Duty", presence="offline")
    outcome = await ingest(ctx, inbound())
    await jobs.drain()
    assert (await conversation(ctx, outcome.conversation_id)).assignee_id is None
    async with ctx.store.read() as session:
        decision = (await session.execute(select(Event).where(Event.kind == "routing.decision"))).scalar_one()
    assert decision.data["assigned"] is False
    assert "no eligible agent" in decision.data["explanation"]["explanation"]["reason"]


async def test_the_customers_owner_is_preferred(ctx: JobContext, jobs: JobDriver) -> None:
    await add_agent(ctx, "Idle Longest", presence="online")
    owner = await add_agent(ctx, "Account Manager", presence="online")
    first = await ingest(ctx, inbound(external_id="a@example.com"))
    await update_contact(ctx, first.contact_id, owner_agent_id=owner)
    async with ctx.store.write() as session:
        row = await session.get(Conversation, first.conversation_id)
        assert row is not None
        row.assignee_id = None
    second = await ingest(ctx, inbound(external_id="b@example.com", subject="Another matter"))
    await jobs.drain()
    assert (await conversation(ctx, second.conversation_id)).assignee_id == owner


async def test_routing_twice_never_reassigns(ctx: JobContext, jobs: JobDriver) -> None:
    first_agent = await add_agent(ctx, "First", presence="online")
    outcome = await ingest(ctx, inbound())
    await jobs.drain()
    await add_agent(ctx, "Second", presence="online")
    from workers.jobs import route

    await route.run(ctx, {"conversation_id": outcome.conversation_id})
    assert (await conversation(ctx, outcome.conversation_id)).assignee_id == first_agent


async def test_concurrent_routers_never_overfill_an_agent(ctx: JobContext, jobs: JobDriver) -> None:
    import asyncio

    from workers.jobs import route

    # With the default weights one call takes the agent whole.
    only = await add_agent(ctx, "Only Agent", presence="online")
    calls = []
    for number in range(4):
        from channels.base import ChannelName, ThreadHints

        outcome = await ingest(
            ctx,
            inbound(ChannelName.PHONE, f"call:CA{number}:ringing", thread=ThreadHints(session_key=f"call:CA{number}")),
        )
        calls.append(outcome.conversation_id)
    await asyncio.gather(*(route.run(ctx, {"conversation_id": cid}) for cid in calls))
    async with ctx.store.read() as session:
        assignees = (
            (await session.execute(select(Conversation.assignee_id).where(Conversation.id.in_(calls)))).scalars().all()
        )
    assert [a for a in assignees if a is not None] == [only], "a call takes the agent whole: exactly one assigned"


async def _batch_of_new_customers(ctx: JobContext, count: int) -> list[int]:
    from channels.base import Identity, IdentityKind
    from inbox.actions.ingest import IngestOutcome, do_ingest_batch

    messages = [
        inbound(
            external_id=f"b{number}@example.com",
            sender=Identity(IdentityKind.EMAIL, f"customer{number}@example.com"),
            subject=f"Matter {number}",
        )
        for number in range(count)
    ]
    outcomes = await do_ingest_batch(ctx.store, ctx.blobs, ctx.settings, messages)
    return [outcome.conversation_id for outcome in outcomes if isinstance(outcome, IngestOutcome)]


async def test_a_stored_batch_is_routed_by_one_job_over_every_agent(ctx: JobContext, jobs: JobDriver) -> None:
    from inbox.models import OutboxJob

    agents = [await add_agent(ctx, f"Agent {number}", capacity={"email": 2}) for number in range(3)]
    await add_agent(ctx, "Away", presence="offline")
    conversations = await _batch_of_new_customers(ctx, 8)
    async with ctx.store.read() as session:
        routes = (await session.execute(select(OutboxJob).where(OutboxJob.job == "route"))).scalars().all()
    assert len(routes) == 1 and routes[0].payload["conversation_ids"] == sorted(conversations)
    await jobs.drain()
    async with ctx.store.read() as session:
        rows = await session.execute(select(Conversation.id, Conversation.assignee_id))
        assignees = {conversation_id: assignee for conversation_id, assignee in rows.all()}
        decisions = (await session.execute(select(Event).where(Event.kind == "routing.decision"))).scalars().all()
    held = [agent for agent in (assignees[c] for c in conversations) if agent is not None]
    assert sorted(held) == sorted(agents * 2), "six places, each agent filled to its two emails"
    assert sorted(d.conversation_id or 0 for d in decisions) == sorted(conversations), "every decision explained"
    for decision in decisions:
        assert len(decision.data["explanation"]["explanation"]["verdicts"]) == 4
    waiting = [d for d in decisions if not d.data["assigned"]]
    assert len(waiting) == 2
    assert all("no eligible agent" in d.data["explanation"]["explanation"]["reason"] for d in waiting)


async def test_the_same_batch_routed_twice_assigns_nothing_twice(ctx: JobContext, jobs: JobDriver) -> None:
    from workers.jobs import route

    first_agent = await add_agent(ctx, "First", capacity={"email": 1})
    conversations = await _batch_of_new_customers(ctx, 2)
    await route.run(ctx, {"conversation_ids": conversations})
    second_agent = await add_agent(ctx, "Second")
    await route.run(ctx, {"conversation_ids": conversations})
    async with ctx.store.read() as session:
        rows = await session.execute(select(Conversation.assignee_id).where(Conversation.id.in_(conversations)))
        assignees = sorted(agent or 0 for agent in rows.scalars().all())
    assert assignees == sorted([first_agent, second_agent]), "the waiting one is placed, the placed one stays"


async def test_concurrent_batch_routers_never_overfill_an_agent(ctx: JobContext, jobs: JobDriver) -> None:
    import asyncio

    from workers.jobs import route

    agents = [await add_agent(ctx, f"Agent {number}", capacity={"email": 1}) for number in range(2)]
    conversations = await _batch_of_new_customers(ctx, 5)
    await asyncio.gather(*(route.run(ctx, {"conversation_ids": conversations[shift:]}) for shift in range(4)))
    async with ctx.store.read() as session:
        rows = await session.execute(select(Conversation.assignee_id).where(Conversation.id.in_(conversations)))
        held = [agent for agent in rows.scalars().all() if agent is not None]
    assert sorted(held) == agents, "two agents with room for one email each: two assigned, once each"

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

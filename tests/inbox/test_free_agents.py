from __future__ import annotations

from datetime import timedelta

from channels.base import ChannelName, Identity, IdentityKind, ThreadHints
from inbox.free_agents import hold_agents, hold_free_agents
from inbox.models import Conversation, utcnow
from tests.support.factories import add_agent, inbound, ingest
from workers.context import JobContext


async def test_free_agents_come_longest_idle_first_and_full_or_absent_ones_not_at_all(ctx: JobContext) -> None:
    now = utcnow()
    recent = await add_agent(ctx, "Just Busy", idle_since=now - timedelta(minutes=1))
    idle = await add_agent(ctx, "Long Idle", idle_since=now - timedelta(hours=1))
    on_call = await add_agent(ctx, "On A Call", idle_since=now - timedelta(hours=2))
    await add_agent(ctx, "Away", presence="offline", idle_since=now - timedelta(hours=3))
    call = await ingest(ctx, inbound(ChannelName.PHONE, "call:CA1:ringing", thread=ThreadHints(session_key="call:CA1")))
    async with ctx.store.write() as session:
        row = await session.get(Conversation, call.conversation_id)
        assert row is not None
        row.assignee_id = on_call  # a call takes all 30 units

    async with ctx.store.write() as session:
        assert await hold_free_agents(session, limit=10) == [idle, recent]
        assert await hold_free_agents(session, limit=1, skip=[idle]) == [recent]
        # Held by name whatever their load: a customer's owner is looked at even when full.
        assert await hold_agents(session, [on_call, 999_999]) == [on_call]


async def test_an_email_still_fits_beside_nine_others(ctx: JobContext) -> None:
    agent = await add_agent(ctx)
    for number in range(10):
        sender = Identity(IdentityKind.EMAIL, f"c{number}@example.com")
        outcome = await ingest(ctx, inbound(external_id=f"m{number}@example.com", sender=sender, subject=f"S{number}"))
        async with ctx.store.write() as session:
            row = await session.get(Conversation, outcome.conversation_id)
            assert row is not None
            row.assignee_id = agent
        async with ctx.store.write() as session:
            expected = [agent] if number < 9 else []
            assert await hold_free_agents(session, limit=5) == expected, number

from __future__ import annotations

import pytest
from sqlalchemy import select

from channels.base import Identity, IdentityKind
from inbox.actions.presence import PresenceRefused, do_set_presence
from inbox.actions.reply import do_reply
from inbox.models import Agent, Conversation, Event, OutboxJob
from tests.support.factories import add_agent, inbound, ingest
from workers.context import JobContext


async def _assigned_email(ctx: JobContext, number: int, agent_id: int) -> int:
    sender = Identity(IdentityKind.EMAIL, f"customer{number}@example.com")
    outcome = await ingest(
        ctx, inbound(external_id=f"m{number}@example.com", sender=sender, subject=f"Matter {number}")
    )
    async with ctx.store.write() as session:
        row = await session.get(Conversation, outcome.conversation_id)
        assert row is not None
        row.assignee_id = agent_id
    return outcome.conversation_id


async def _queued_drains(ctx: JobContext) -> list[OutboxJob]:
    async with ctx.store.read() as session:
        return list((await session.execute(select(OutboxJob).where(OutboxJob.job == "drain"))).scalars())


async def test_going_offline_hands_back_only_the_work_not_yet_answered(ctx: JobContext) -> None:
    agent = await add_agent(ctx, "Leaving Early")
    untouched = await _assigned_email(ctx, 1, agent)
    answered = await _assigned_email(ctx, 2, agent)
    await do_reply(ctx.store, conversation_id=answered, agent_id=agent, text="Looking into it.")

    change = await do_set_presence(ctx.store, agent_id=agent, presence="offline")

    assert (change.before, change.after, change.requeued) == ("online", "offline", (untouched,))
    async with ctx.store.read() as session:
        assert (await session.get(Conversation, untouched)).assignee_id is None  # type: ignore[union-attr]
        assert (await session.get(Conversation, answered)).assignee_id == agent  # type: ignore[union-attr]
        assert (await session.get(Agent, agent)).presence == "offline"  # type: ignore[union-attr]
        requeued = (await session.execute(select(Event).where(Event.kind == "routing.requeued"))).scalar_one()
    assert requeued.conversation_id == untouched and requeued.data["agent_id"] == agent
    assert [job.payload["reason"] for job in await _queued_drains(ctx)] == [f"agent {agent} offline"]


async def test_coming_online_asks_for_a_drain_once_while_one_is_pending(ctx: JobContext) -> None:
    first = await add_agent(ctx, "Morning", presence="offline")
    second = await add_agent(ctx, "Late Morning", presence="offline")

    await do_set_presence(ctx.store, agent_id=first, presence="online")
    await do_set_presence(ctx.store, agent_id=second, presence="online")
    unchanged = await do_set_presence(ctx.store, agent_id=second, presence="online")

    assert unchanged.before == unchanged.after == "online"
    assert len(await _queued_drains(ctx)) == 1


async def test_unknown_presences_and_agents_are_refused(ctx: JobContext) -> None:
    agent = await add_agent(ctx)
    with pytest.raises(PresenceRefused, match="one of"):
        await do_set_presence(ctx.store, agent_id=agent, presence="napping")
    with pytest.raises(PresenceRefused, match="does not exist"):
        await do_set_presence(ctx.store, agent_id=999_999, presence="online")

"""Heartbeats keep an agent's presence: a silent screen turns online or busy into away after the timeout, and
coming back undoes only that away, never one the agent chose."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from inbox.actions.presence import do_mark_silent_agents_away, do_record_heartbeat, do_set_presence
from inbox.models import Event, OutboxJob, utcnow
from tests.support.factories import add_agent
from tests.support.web import agent_row
from workers.context import JobContext

TIMEOUT = timedelta(seconds=60)


async def _drains(ctx: JobContext) -> int:
    async with ctx.store.read() as session:
        return len((await session.execute(select(OutboxJob.id).where(OutboxJob.job == "drain"))).all())


async def test_a_silent_screen_turns_online_and_busy_into_away_after_the_timeout(ctx: JobContext) -> None:
    start = utcnow()
    online = await add_agent(ctx, "On Line")
    busy = await add_agent(ctx, "Busy Bee", presence="busy")
    never = await add_agent(ctx, "Phone Only")  # no screen has ever sent a heartbeat for this seat
    for agent in (online, busy):
        await do_record_heartbeat(ctx.store, agent_id=agent, now=start)

    assert await do_mark_silent_agents_away(ctx.store, silent_for=TIMEOUT, now=start + TIMEOUT / 2) == []
    changed = await do_mark_silent_agents_away(ctx.store, silent_for=TIMEOUT, now=start + TIMEOUT)

    assert changed == [online, busy]
    assert [(await agent_row(ctx, a)).presence for a in (online, busy, never)] == ["away", "away", "online"]
    async with ctx.store.read() as session:
        reasons = (await session.execute(select(Event.data).where(Event.kind == "agent.presence_changed"))).scalars()
        assert [r["reason"] for r in reasons] == ["connection lost", "connection lost"]
    # A second sweep finds nothing more to do.
    assert await do_mark_silent_agents_away(ctx.store, silent_for=TIMEOUT, now=start + 2 * TIMEOUT) == []


async def test_coming_back_restores_the_presence_silence_took_and_drains_the_queue(ctx: JobContext) -> None:
    start = utcnow() - 2 * TIMEOUT
    agent = await add_agent(ctx, "Back Again")
    await do_record_heartbeat(ctx.store, agent_id=agent, now=start)
    await do_mark_silent_agents_away(ctx.store, silent_for=TIMEOUT, now=start + TIMEOUT)
    drains = await _drains(ctx)

    change = await do_record_heartbeat(ctx.store, agent_id=agent)

    assert change is not None and (change.before, change.after) == ("away", "online")
    assert (await agent_row(ctx, agent)).presence == "online"
    assert await _drains(ctx) == drains + 1


async def test_an_away_the_agent_chose_stays_when_their_screen_reconnects(ctx: JobContext) -> None:
    agent = await add_agent(ctx, "On Break")
    await do_record_heartbeat(ctx.store, agent_id=agent)
    await do_set_presence(ctx.store, agent_id=agent, presence="away", actor_agent_id=agent)

    assert await do_record_heartbeat(ctx.store, agent_id=agent) is None
    assert (await agent_row(ctx, agent)).presence == "away"
    assert (await agent_row(ctx, agent)).last_seen_at is not None


async def test_the_sweep_can_look_at_one_agent_only(ctx: JobContext) -> None:
    start = utcnow()
    first = await add_agent(ctx, "First One")
    second = await add_agent(ctx, "Second One")
    for agent in (first, second):
        await do_record_heartbeat(ctx.store, agent_id=agent, now=start)
    later = start + 2 * TIMEOUT
    assert await do_mark_silent_agents_away(ctx.store, silent_for=TIMEOUT, now=later, agent_ids=[second]) == [second]
    assert (await agent_row(ctx, first)).presence == "online"

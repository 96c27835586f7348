"""The supervisor's people: only their teams, presence as the router sees it, load and current work."""

from __future__ import annotations

from datetime import timedelta

from inbox.access import load_viewer
from inbox.actions.presence import do_record_heartbeat
from inbox.actions.status import do_set_status
from inbox.models import utcnow
from inbox.supervisor_agents import agents_overview
from tests.support.web import build_world
from workers.context import JobContext

AWAY_AFTER = timedelta(seconds=60)


async def test_a_supervisor_sees_their_people_with_load_and_current_work(ctx: JobContext) -> None:
    world = await build_world(ctx)
    await do_set_status(
        ctx.store, conversation_id=world.conversations["marcus_own"], status="pending", actor_agent_id=None
    )
    async with ctx.store.read() as session:
        olivia = await load_viewer(session, world.people["olivia"])
        assert olivia is not None
        rows = {row.name: row for row in await agents_overview(session, olivia, utcnow(), AWAY_AFTER)}
    assert set(rows) == {"Chen", "Marcus", "Olivia"}
    chen, marcus = rows["Chen"], rows["Marcus"]
    assert (chen.load, chen.held_count) == ({"email": 1}, 1)
    assert [held.conversation_id for held in chen.current] == [world.conversations["chen_own"]]
    # Pending work is still theirs but takes no capacity.
    assert (marcus.load, marcus.held_count, marcus.occupancy) == ({}, 1, 0.0)
    assert chen.occupancy == 3 / 30


async def test_a_silent_screen_shows_as_away_and_agents_see_no_one(ctx: JobContext) -> None:
    world = await build_world(ctx)
    chen = world.people["chen"]
    await do_record_heartbeat(ctx.store, agent_id=chen, now=utcnow() - timedelta(minutes=5))
    async with ctx.store.write() as session:
        from inbox.models import Agent

        row = await session.get(Agent, chen)
        assert row is not None
        row.presence = "online"
    async with ctx.store.read() as session:
        root = await load_viewer(session, world.people["root"])
        agent = await load_viewer(session, chen)
        assert root is not None and agent is not None
        rows = {row.name: row for row in await agents_overview(session, root, utcnow(), AWAY_AFTER)}
        assert await agents_overview(session, agent, utcnow(), AWAY_AFTER) == []
    assert (rows["Chen"].presence, rows["Chen"].shown_presence, rows["Chen"].silent) == ("online", "away", True)
    assert "Mia" not in rows  # marketers take no conversations
    assert {"Chen", "Marcus", "Olivia", "Zhao", "Sofia", "Root"} == set(rows)

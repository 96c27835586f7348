"""The supervisor's queues and service levels: per pool and tier, limited to the supervisor's teams."""

from __future__ import annotations

from datetime import timedelta

from inbox.access import Viewer, load_viewer
from inbox.actions.reply import do_reply
from inbox.models import utcnow
from inbox.supervisor_queues import SHARED_POOL, queues, service_level
from tests.support.web import World, build_world
from workers.context import JobContext

TARGETS = {"email": 240, "sms": 60}


async def _viewer(ctx: JobContext, world: World, name: str) -> Viewer:
    async with ctx.store.read() as session:
        viewer = await load_viewer(session, world.people[name])
    assert viewer is not None
    return viewer


async def test_each_supervisor_sees_their_pools_and_the_shared_one(ctx: JobContext) -> None:
    world = await build_world(ctx)
    found = {}
    for name in ("olivia", "sofia", "root"):
        viewer = await _viewer(ctx, world, name)
        async with ctx.store.read() as session:
            found[name] = {pool.name: (pool.waiting, pool.by_tier) for pool in await queues(session, viewer)}
    bronze = {"platinum": 0, "gold": 0, "silver": 0, "bronze": 1}
    silver = {"platinum": 0, "gold": 0, "silver": 1, "bronze": 0}
    assert found["olivia"] == {"Front desk": (1, bronze), SHARED_POOL: (1, silver)}
    assert found["sofia"] == {"Billing": (1, bronze), SHARED_POOL: (1, silver)}
    assert found["root"] == {"Front desk": (1, bronze), "Billing": (1, bronze), SHARED_POOL: (1, silver)}


async def test_the_oldest_wait_is_measured_from_the_longest_waiting(ctx: JobContext) -> None:
    world = await build_world(ctx)
    viewer = await _viewer(ctx, world, "root")
    later = utcnow() + timedelta(minutes=10)
    async with ctx.store.read() as session:
        pools = await queues(session, viewer)
    assert all(600 <= pool.oldest_wait_seconds(later) < 700 for pool in pools)


async def test_unanswered_conversations_turn_at_risk_then_breached(ctx: JobContext) -> None:
    world = await build_world(ctx)
    olivia = await _viewer(ctx, world, "olivia")
    # Answered work no longer counts against the first-response target.
    await do_reply(ctx.store, conversation_id=world.conversations["marcus_own"], agent_id=None, text="On it.")
    start = utcnow()
    async with ctx.store.read() as session:
        calm = await service_level(session, olivia, start, TARGETS, 0.8)
        worried = await service_level(session, olivia, start + timedelta(minutes=200), TARGETS, 0.8)
        late = await service_level(session, olivia, start + timedelta(minutes=241), TARGETS, 0.8)
    # chen_own, front_queue and shared_queue: open, unanswered, in Olivia's reach.
    assert (calm.unanswered, calm.at_risk, calm.breached) == (3, 0, 0)
    assert (worried.at_risk, worried.breached) == (3, 0)
    assert (late.at_risk, late.breached, dict(late.breached_by_channel)) == (0, 3, {"email": 3})

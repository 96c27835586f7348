from __future__ import annotations

from sqlalchemy import select

from inbox.access import Viewer, conversation_scope, load_viewer, visible_contact, visible_conversation
from inbox.models import Conversation
from tests.support.web import World, build_world
from workers.context import JobContext


async def _viewer(ctx: JobContext, world: World, name: str) -> Viewer:
    async with ctx.store.read() as session:
        viewer = await load_viewer(session, world.people[name])
    assert viewer is not None
    return viewer


async def _visible(ctx: JobContext, world: World, name: str) -> set[str]:
    viewer = await _viewer(ctx, world, name)
    by_id = {value: key for key, value in world.conversations.items()}
    async with ctx.store.read() as session:
        ids = (await session.execute(select(Conversation.id).where(conversation_scope(viewer)))).scalars()
        return {by_id[i] for i in ids}


async def test_an_agent_sees_their_own_work_and_their_teams_queue(ctx: JobContext) -> None:
    world = await build_world(ctx)
    assert await _visible(ctx, world, "chen") == {"chen_own", "front_queue", "shared_queue"}


async def test_a_supervisor_sees_everything_of_their_team_only(ctx: JobContext) -> None:
    world = await build_world(ctx)
    assert await _visible(ctx, world, "olivia") == {"chen_own", "front_queue", "marcus_own", "shared_queue"}
    assert await _visible(ctx, world, "sofia") == {"billing_own", "billing_queue", "shared_queue"}


async def test_an_admin_sees_all_and_a_marketer_no_conversation(ctx: JobContext) -> None:
    world = await build_world(ctx)
    assert await _visible(ctx, world, "root") == set(world.conversations)
    assert await _visible(ctx, world, "mia") == set()


async def test_single_lookups_follow_the_same_policy(ctx: JobContext) -> None:
    world = await build_world(ctx)
    chen = await _viewer(ctx, world, "chen")
    mia = await _viewer(ctx, world, "mia")
    async with ctx.store.read() as session:
        assert await visible_conversation(session, chen, world.conversations["chen_own"]) is not None
        assert await visible_conversation(session, chen, world.conversations["marcus_own"]) is None
        assert await visible_contact(session, chen, world.contacts["chen_own"]) is not None
        assert await visible_contact(session, chen, world.contacts["billing_own"]) is None
        assert await visible_contact(session, mia, world.contacts["chen_own"]) is None


async def test_a_switched_off_account_has_no_viewer(ctx: JobContext) -> None:
    world = await build_world(ctx)
    async with ctx.store.write() as session:
        from inbox.models import Agent

        agent = await session.get(Agent, world.people["chen"])
        assert agent is not None
        agent.active = False
    async with ctx.store.read() as session:
        assert await load_viewer(session, world.people["chen"]) is None

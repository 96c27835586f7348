"""The live feed's in-memory visibility agrees with the store's (``inbox.access``) for every role and place."""

from __future__ import annotations

from sqlalchemy import select

from channels.base import ChannelName, Identity, IdentityKind
from inbox.access import conversation_scope, load_viewer
from inbox.models import Conversation
from inbox.realtime.audience import Place, audience_of
from tests.support.factories import inbound, ingest
from tests.support.web import World, build_world
from workers.context import JobContext

# Places the standard world lacks: a team member's work filed under another team, and held work of no team.
EXTRA = {"chen_in_billing": ("chen", "Billing"), "zhao_unfiled": ("zhao", None), "waiting_unfiled": (None, None)}


async def _world_with_every_kind_of_place(ctx: JobContext) -> World:
    world = await build_world(ctx)
    for key, (assignee, team) in EXTRA.items():
        sender = Identity(IdentityKind.EMAIL, f"{key}@example.com")
        outcome = await ingest(ctx, inbound(ChannelName.EMAIL, external_id=f"{key}@example.com", sender=sender))
        async with ctx.store.write() as session:
            row = await session.get(Conversation, outcome.conversation_id)
            assert row is not None
            row.assignee_id = world.people[assignee] if assignee else None
            row.team_id = world.teams[team] if team else None
        world.conversations[key] = outcome.conversation_id
    return world


async def test_the_feed_and_the_store_agree_on_who_sees_what(ctx: JobContext) -> None:
    world = await _world_with_every_kind_of_place(ctx)
    seen: dict[str, frozenset[int]] = {}
    async with ctx.store.read() as session:
        places = {
            row.id: Place(row.assignee_id, row.team_id)
            for row in (await session.execute(select(Conversation))).scalars()
        }
        for name, person in world.people.items():
            viewer = await load_viewer(session, person)
            assert viewer is not None
            audience = await audience_of(session, viewer)
            in_store = set((await session.execute(select(Conversation.id).where(conversation_scope(viewer)))).scalars())
            in_feed = {conversation for conversation, place in places.items() if audience.sees(place)}
            assert in_feed == in_store, name
            seen[name] = frozenset(in_store)
    # The comparison is only worth something if the people really see different things.
    assert len(set(seen.values())) >= 5
    assert seen["mia"] == frozenset()


async def test_a_supervisor_follows_their_people_into_other_teams_queues(ctx: JobContext) -> None:
    world = await _world_with_every_kind_of_place(ctx)
    async with ctx.store.read() as session:
        olivia = await load_viewer(session, world.people["olivia"])
        chen = await load_viewer(session, world.people["chen"])
        mia = await load_viewer(session, world.people["mia"])
        assert olivia is not None and chen is not None and mia is not None
        supervisor = await audience_of(session, olivia)
        agent = await audience_of(session, chen)
        marketer = await audience_of(session, mia)
    billing = world.teams["Billing"]
    assert supervisor.sees(Place(world.people["chen"], billing))
    assert not supervisor.sees(Place(world.people["zhao"], billing))
    assert not agent.sees(Place(None, billing))
    assert agent.sees(Place(None, None))
    assert not marketer.sees(Place(None, None))

from __future__ import annotations

from datetime import timedelta

import pytest

from inbox import inbox_views
from inbox.access import Viewer, load_viewer
from inbox.inbox_views import Filters, View, ViewCount, inbox_rows, view_counts, views_for
from inbox.models import Conversation, utcnow
from tests.support.web import World, build_world
from workers.context import JobContext


async def _viewer(ctx: JobContext, world: World, name: str) -> Viewer:
    async with ctx.store.read() as session:
        viewer = await load_viewer(session, world.people[name])
    assert viewer is not None
    return viewer


# A large view ranks tiers from the customer ids of each tier rather than by looking up every customer.
@pytest.mark.parametrize("large_view", [False, True])
async def test_higher_tiers_come_first_then_the_longest_wait(
    ctx: JobContext, monkeypatch: pytest.MonkeyPatch, large_view: bool
) -> None:
    if large_view:
        monkeypatch.setattr(inbox_views, "COUNT_CAP", 1)
    world = await build_world(ctx)
    ids = world.conversations
    now = utcnow()
    # The bronze conversation has waited longest, yet every higher tier is served before it.
    ages = {"front_queue": 300, "marcus_own": 10, "shared_queue": 60, "chen_own": 5}
    async with ctx.store.write() as session:
        for key, minutes in ages.items():
            conversation = await session.get(Conversation, ids[key])
            assert conversation is not None
            conversation.last_message_at = now - timedelta(minutes=minutes)
    olivia = await _viewer(ctx, world, "olivia")
    async with ctx.store.read() as session:
        rows = await inbox_rows(session, olivia, View.ALL, Filters())
    assert [row.conversation_id for row in rows] == [
        ids["chen_own"],  # gold
        ids["shared_queue"],  # silver, waited 60 minutes
        ids["marcus_own"],  # silver, waited 10 minutes
        ids["front_queue"],  # bronze
    ]
    async with ctx.store.read() as session:
        silver = await inbox_rows(session, olivia, View.ALL, Filters(tier="silver"))
    assert [row.conversation_id for row in silver] == [ids["shared_queue"], ids["marcus_own"]]


async def test_views_by_role_and_their_counts(ctx: JobContext) -> None:
    world = await build_world(ctx)
    chen, root, mia = [await _viewer(ctx, world, name) for name in ("chen", "root", "mia")]
    assert views_for(chen) == [View.MINE, View.UNASSIGNED, View.TEAMS]
    assert views_for(root)[-1] is View.ALL and views_for(mia) == []
    async with ctx.store.read() as session:
        assert await view_counts(session, root, Filters()) == {
            View.MINE: 0,
            View.UNASSIGNED: 3,
            View.TEAMS: 0,
            View.ALL: 6,
        }
        assert await inbox_rows(session, chen, View.ALL, Filters()) == []
        assert await inbox_rows(session, mia, View.MINE, Filters()) == []


async def test_counts_stop_at_the_cap_and_say_so(ctx: JobContext, monkeypatch: pytest.MonkeyPatch) -> None:
    world = await build_world(ctx)
    root = await _viewer(ctx, world, "root")
    monkeypatch.setattr(inbox_views, "COUNT_CAP", 2)
    async with ctx.store.read() as session:
        counts = await view_counts(session, root, Filters())
    unassigned, everything, mine = counts[View.UNASSIGNED], counts[View.ALL], counts[View.MINE]
    assert isinstance(everything, ViewCount) and everything.capped and str(everything) == "2+"
    assert unassigned == 3 and str(unassigned) == "2+"
    assert isinstance(mine, ViewCount) and mine == 0 and not mine.capped and str(mine) == "0"


async def test_the_sla_filter_finds_work_past_its_due_time(ctx: JobContext) -> None:
    world = await build_world(ctx)
    ids = world.conversations
    now = utcnow()
    async with ctx.store.write() as session:
        late_answer = await session.get(Conversation, ids["front_queue"])
        late_resolution = await session.get(Conversation, ids["chen_own"])
        in_time = await session.get(Conversation, ids["marcus_own"])
        assert late_answer is not None and late_resolution is not None and in_time is not None
        late_answer.first_response_due_at = now - timedelta(minutes=5)
        late_resolution.first_response_at = now - timedelta(hours=2)
        late_resolution.first_response_due_at = now - timedelta(hours=1)
        late_resolution.resolution_due_at = now - timedelta(minutes=1)
        in_time.first_response_due_at = now + timedelta(hours=1)
    olivia = await _viewer(ctx, world, "olivia")
    async with ctx.store.read() as session:
        breached = await inbox_rows(session, olivia, View.ALL, Filters(sla_breached=True))
        kept = await inbox_rows(session, olivia, View.ALL, Filters(sla_breached=False))
        counts = await view_counts(session, olivia, Filters(sla_breached=True))
    assert {row.conversation_id for row in breached} == {ids["front_queue"], ids["chen_own"]}
    assert {row.conversation_id for row in kept} == {ids["marcus_own"], ids["shared_queue"]}
    assert counts[View.ALL] == 2 and counts[View.MINE] == 0


async def test_without_a_status_filter_every_status_is_served_in_one_order(ctx: JobContext) -> None:
    world = await build_world(ctx)
    ids = world.conversations
    now = utcnow()
    # One conversation per status beyond open; each status is walked on its own and the walks are merged.
    changes = {"billing_own": "resolved", "chen_own": "pending", "front_queue": "snoozed"}
    async with ctx.store.write() as session:
        for minutes, key in enumerate(ids):
            conversation = await session.get(Conversation, ids[key])
            assert conversation is not None
            conversation.last_message_at = now - timedelta(minutes=60 - minutes)
            conversation.status = changes.get(key, conversation.status)
    root = await _viewer(ctx, world, "root")
    async with ctx.store.read() as session:
        every = await inbox_rows(session, root, View.ALL, Filters(status=None))
        pages = [await inbox_rows(session, root, View.ALL, Filters(status=None), limit=2, offset=o) for o in (0, 2, 4)]
    ranks = {"platinum": 0, "gold": 1, "silver": 2, "bronze": 3}
    expected = sorted(every, key=lambda row: (ranks[row.tier], row.last_message_at, row.conversation_id))
    assert len(every) == len(ids) and {row.status for row in every} == {"open", "pending", "snoozed", "resolved"}
    assert [row.conversation_id for row in every] == [row.conversation_id for row in expected]
    assert [row.conversation_id for page in pages for row in page] == [row.conversation_id for row in every]

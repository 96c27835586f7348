"""The supervisor's figures: response times, today's volume, the router's decisions and failed jobs, each
limited to what the supervisor may see."""

from __future__ import annotations

from datetime import timedelta

from inbox import audit
from inbox.access import Viewer, load_viewer
from inbox.actions.reply import do_reply
from inbox.models import Conversation, DeadLetter, utcnow
from inbox.supervisor_stats import (
    failed_job_in_reach,
    failed_jobs,
    names_in_decisions,
    percentile,
    recent_decisions,
    response_times,
    todays_volume,
)
from tests.support.web import World, build_world
from workers.context import JobContext


async def _viewer(ctx: JobContext, world: World, name: str) -> Viewer:
    async with ctx.store.read() as session:
        viewer = await load_viewer(session, world.people[name])
    assert viewer is not None
    return viewer


def test_percentiles_interpolate_between_neighbours() -> None:
    assert percentile([], 0.5) is None
    assert percentile([60.0, 120.0, 600.0], 0.5) == 120.0
    assert percentile([60.0, 120.0, 600.0], 0.9) == 504.0
    assert percentile([7.0], 0.9) == 7.0


async def test_response_times_cover_only_the_viewers_reach(ctx: JobContext) -> None:
    world = await build_world(ctx)
    start = utcnow() - timedelta(hours=2)
    timings = {"chen_own": 60, "marcus_own": 120, "front_queue": 600, "billing_own": 5}
    async with ctx.store.write() as session:
        for key, seconds in timings.items():
            row = await session.get(Conversation, world.conversations[key])
            assert row is not None
            row.created_at = start
            row.first_response_at = start + timedelta(seconds=seconds)
            row.resolved_at = start + timedelta(seconds=seconds * 10) if key == "chen_own" else None
    async with ctx.store.read() as session:
        first, resolution = await response_times(session, await _viewer(ctx, world, "olivia"), start)
    assert (first.count, first.median_seconds, first.p90_seconds) == (3, 120.0, 504.0)
    assert (resolution.count, resolution.median_seconds) == (1, 600.0)


async def test_todays_volume_counts_inbound_per_channel_and_hour(ctx: JobContext) -> None:
    world = await build_world(ctx)
    day_start = utcnow() - timedelta(minutes=30)
    await do_reply(
        ctx.store, conversation_id=world.conversations["chen_own"], agent_id=None, text="Outbound: not counted"
    )
    async with ctx.store.read() as session:
        olivia = await todays_volume(session, await _viewer(ctx, world, "olivia"), day_start)
        root = await todays_volume(session, await _viewer(ctx, world, "root"), day_start)
    assert (olivia.by_channel, olivia.total, olivia.per_hour[0], sum(olivia.per_hour)) == ({"email": 4}, 4, 4, 4)
    assert root.total == 6 and len(root.per_hour) == 24


async def test_routing_decisions_come_with_their_stored_explanations(ctx: JobContext) -> None:
    world = await build_world(ctx)
    explanation = {
        "conversation_id": world.conversations["front_queue"],
        "agent_id": world.people["marcus"],
        "explanation": {
            "reason": "longest idle in the team ring",
            "tier": "bronze",
            "chosen_agent_id": world.people["marcus"],
            "verdicts": [
                {"agent_id": world.people["marcus"], "removed_by": None, "score": 1.0},
                {"agent_id": world.people["chen"], "removed_by": "capacity", "score": None},
            ],
        },
    }
    # As the router's writers record it: the assignment and its explanation in one unit of work.
    async with ctx.store.write() as session:
        row = await session.get(Conversation, world.conversations["front_queue"])
        assert row is not None
        row.assignee_id = world.people["marcus"]
        audit.record(
            session,
            "routing.decision",
            conversation_id=row.id,
            agent_id=world.people["marcus"],
            assigned=True,
            explanation=explanation,
            via="drain",
        )
    async with ctx.store.read() as session:
        olivia = await recent_decisions(session, await _viewer(ctx, world, "olivia"))
        sofia = await recent_decisions(session, await _viewer(ctx, world, "sofia"))
        names = await names_in_decisions(session, olivia)
    (decision,) = olivia
    assert (decision.conversation_id, decision.agent_name) == (world.conversations["front_queue"], "Marcus")
    assert decision.summary["reason"] == "longest idle in the team ring"
    assert [v["removed_by"] for v in decision.verdicts] == [None, "capacity"]
    assert names == {world.people["marcus"]: "Marcus", world.people["chen"]: "Chen"}
    assert sofia == []


async def test_failed_jobs_about_a_message_are_shown_to_its_supervisors_only(ctx: JobContext) -> None:
    world = await build_world(ctx)
    front = await do_reply(ctx.store, conversation_id=world.conversations["chen_own"], agent_id=None, text="a")
    billing = await do_reply(ctx.store, conversation_id=world.conversations["billing_own"], agent_id=None, text="b")
    async with ctx.store.write() as session:
        letters = [
            DeadLetter(
                job="send", key=f"send:{front.message_id}", payload={"message_id": front.message_id}, error="550"
            ),
            DeadLetter(
                job="send", key=f"send:{billing.message_id}", payload={"message_id": billing.message_id}, error="550"
            ),
            DeadLetter(job="drain", key="drain:1", payload={"reason": "scheduled"}, error="boom"),
        ]
        session.add_all(letters)
        await session.flush()
        ids = [letter.id for letter in letters]
    olivia, root = await _viewer(ctx, world, "olivia"), await _viewer(ctx, world, "root")
    async with ctx.store.read() as session:
        assert [job.id for job in await failed_jobs(session, olivia)] == [ids[0]]
        assert [job.id for job in await failed_jobs(session, root)] == list(reversed(ids))
        assert await failed_job_in_reach(session, olivia, ids[0])
        assert not await failed_job_in_reach(session, olivia, ids[1])

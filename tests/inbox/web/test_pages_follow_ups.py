from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from inbox.actions.status import do_set_status
from inbox.follow_up_queries import end_of_day
from inbox.models import Agent, Event, FollowUp, utcnow
from tests.support.factories import inbound, ingest
from tests.support.web import World, build_app, build_world, client_for, page_token, sign_in
from workers.context import JobContext


async def _complaint_follow_up(ctx: JobContext, world: World, external_id: str, text: str) -> FollowUp:
    outcome = await ingest(ctx, inbound(text=text, external_id=external_id, sender=None))
    await do_set_status(
        ctx.store, conversation_id=outcome.conversation_id, status="resolved", actor_agent_id=world.people["chen"]
    )
    async with ctx.store.read() as session:
        found = await session.execute(select(FollowUp).where(FollowUp.conversation_id == outcome.conversation_id))
        return found.scalar_one()


async def _move(ctx: JobContext, follow_up_id: int, due_at: object) -> None:
    async with ctx.store.write() as session:
        follow_up = await session.get(FollowUp, follow_up_id)
        assert follow_up is not None
        follow_up.due_at = due_at  # type: ignore[assignment]


async def test_the_follow_ups_page_lists_today_and_overdue_apart_from_later(ctx: JobContext) -> None:
    world = await build_world(ctx)
    due_today = await _complaint_follow_up(ctx, world, "a@example.com", "I want a refund")
    overdue = await _complaint_follow_up(ctx, world, "b@example.com", "我要投诉")
    next_week = await _complaint_follow_up(ctx, world, "c@example.com", "my lawyer will write")
    now = utcnow()
    await _move(ctx, due_today.id, min(now + timedelta(minutes=1), end_of_day(now, "UTC") - timedelta(seconds=1)))
    await _move(ctx, overdue.id, now - timedelta(days=2))
    await _move(ctx, next_week.id, end_of_day(now, "UTC") + timedelta(days=2))
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, world.emails["chen"])
        page = await client.get("/follow-ups")
        await sign_in(client, world.emails["marcus"])
        someone_else = await client.get("/follow-ups")
        peeking = await client.get(f"/follow-ups?agent={world.people['chen']}")
        await sign_in(client, world.emails["olivia"])
        supervisor = await client.get(f"/follow-ups?agent={world.people['chen']}")
        await sign_in(client, world.emails["sofia"])
        other_team = await client.get(f"/follow-ups?agent={world.people['chen']}")
    assert page.status_code == 200
    today, later = page.text.split("<h2>Coming up</h2>")
    assert f"/follow-ups/{due_today.id}/done" in today and f"/follow-ups/{overdue.id}/done" in today
    assert today.index(f"/follow-ups/{overdue.id}/done") < today.index(f"/follow-ups/{due_today.id}/done")
    assert "overdue" in today and f"/follow-ups/{next_week.id}/done" in later
    assert f"/follow-ups/{next_week.id}/done" not in today
    assert "Nothing due today." in someone_else.text
    assert peeking.status_code == other_team.status_code == 404
    assert "Follow-ups of Chen" in supervisor.text and f"/follow-ups/{overdue.id}/done" in supervisor.text


async def test_today_is_the_agents_own_day(ctx: JobContext) -> None:
    world = await build_world(ctx)
    follow_up = await _complaint_follow_up(ctx, world, "tz@example.com", "refund please")
    async with ctx.store.write() as session:
        agent = await session.get(Agent, world.people["chen"])
        assert agent is not None
        agent.timezone = "Asia/Shanghai"
    now = utcnow()
    shanghai_midnight = end_of_day(now, "Asia/Shanghai")
    await _move(ctx, follow_up.id, shanghai_midnight - timedelta(minutes=1))
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, world.emails["chen"])
        page = await client.get("/follow-ups")
    today = page.text.split("<h2>Coming up</h2>")[0]
    assert f"/follow-ups/{follow_up.id}/done" in today


async def test_done_and_reschedule_are_recorded_and_others_cannot_touch_them(ctx: JobContext) -> None:
    world = await build_world(ctx)
    first = await _complaint_follow_up(ctx, world, "d@example.com", "refund now")
    second = await _complaint_follow_up(ctx, world, "e@example.com", "complaint about noise")
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, world.emails["zhao"])
        token = await page_token(client, "/follow-ups")
        stranger = await client.post(f"/follow-ups/{first.id}/done", data={"csrf_token": token, "outcome": "x"})
        await sign_in(client, world.emails["chen"])
        token = await page_token(client, "/follow-ups")
        done = await client.post(
            f"/follow-ups/{first.id}/done", data={"csrf_token": token, "outcome": "Customer happy with the refund"}
        )
        moved = await client.post(
            f"/follow-ups/{second.id}/reschedule", data={"csrf_token": token, "due_at": "2099-01-02T09:30"}
        )
        past = await client.post(
            f"/follow-ups/{second.id}/reschedule", data={"csrf_token": token, "due_at": "2001-01-02T09:30"}
        )
    assert stranger.status_code == 404
    assert done.status_code == moved.status_code == 303
    assert past.status_code == 422 and "in the future" in past.text
    async with ctx.store.read() as session:
        rows = {f.id: f for f in (await session.execute(select(FollowUp))).scalars()}
        kinds = (await session.execute(select(Event.kind).where(Event.kind.like("follow_up.%")))).scalars().all()
    assert rows[first.id].status == "done" and rows[first.id].outcome == "Customer happy with the refund"
    assert rows[first.id].done_by_agent_id == world.people["chen"]
    assert rows[second.id].due_at.isoformat() == "2099-01-02T09:30:00+00:00" and rows[second.id].reschedules == 1
    assert sorted(kinds) == ["follow_up.booked", "follow_up.booked", "follow_up.done", "follow_up.rescheduled"]

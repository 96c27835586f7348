from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from inbox.actions.snooze import do_wake_snoozed
from inbox.actions.status import do_set_status
from inbox.models import Conversation, Event, OutboxJob, utcnow
from tests.support.jobs import JobDriver
from tests.support.web import build_world
from workers.context import JobContext
from workers.schedule import enqueue_due, periodic_jobs


async def _status(ctx: JobContext, conversation_id: int) -> tuple[str, object]:
    async with ctx.store.read() as session:
        conversation = await session.get(Conversation, conversation_id)
        assert conversation is not None
        return conversation.status, conversation.snoozed_until


async def test_due_snoozes_wake_once_and_later_ones_keep_sleeping(ctx: JobContext) -> None:
    world = await build_world(ctx)
    now = utcnow()
    due, later = world.conversations["chen_own"], world.conversations["front_queue"]
    for conversation_id in (due, later):
        await do_set_status(
            ctx.store,
            conversation_id=conversation_id,
            status="snoozed",
            actor_agent_id=world.people["chen"],
            snoozed_until=now + timedelta(hours=1),
        )
    async with ctx.store.write() as session:
        row = await session.get(Conversation, due)
        assert row is not None
        row.snoozed_until = now - timedelta(minutes=1)
    assert await do_wake_snoozed(ctx.store, now=now) == 1
    assert await do_wake_snoozed(ctx.store, now=now) == 0
    assert await _status(ctx, due) == ("open", None)
    assert (await _status(ctx, later))[0] == "snoozed"
    async with ctx.store.read() as session:
        changes = (await session.execute(select(Event).where(Event.kind == "conversation.status_changed"))).scalars()
        woke = [e for e in changes if e.data.get("reason") == "the snooze ended"]
    assert [(e.conversation_id, e.actor_agent_id, e.data["before"], e.data["after"]) for e in woke] == [
        (due, None, "snoozed", "open")
    ]


async def test_the_periodic_job_wakes_them_in_batches(ctx: JobContext, jobs: JobDriver) -> None:
    world = await build_world(ctx)
    past = utcnow() - timedelta(minutes=5)
    async with ctx.store.write() as session:
        rows = (await session.execute(select(Conversation))).scalars().all()
        for row in rows:
            row.status, row.snoozed_until = "snoozed", past
    assert "wake_snoozed" in [job.job for job in periodic_jobs(ctx.settings)]
    assert await enqueue_due(ctx.store, [j for j in periodic_jobs(ctx.settings) if j.job == "wake_snoozed"]) == 1
    await jobs.drain()
    for conversation_id in world.conversations.values():
        assert (await _status(ctx, conversation_id))[0] == "open"
    assert await do_wake_snoozed(ctx.store, batch_size=2) == 0
    async with ctx.store.read() as session:
        done = (await session.execute(select(OutboxJob.status).where(OutboxJob.job == "wake_snoozed"))).scalars()
        assert list(done) == ["done"]

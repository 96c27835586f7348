from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from inbox.models import OutboxJob
from workers.context import JobContext
from workers.schedule import Periodic, enqueue_due, periodic_jobs


async def test_a_slot_is_queued_once_however_many_schedulers_run(ctx: JobContext) -> None:
    hourly = [Periodic("recompute_values", 3600)]
    at = datetime(2026, 11, 23, 10, 15, tzinfo=UTC)
    assert await enqueue_due(ctx.store, hourly, at) == 1
    assert await enqueue_due(ctx.store, hourly, at + timedelta(minutes=20)) == 0
    assert await enqueue_due(ctx.store, hourly, at + timedelta(hours=1)) == 1
    async with ctx.store.read() as session:
        keys = (await session.execute(select(OutboxJob.key).order_by(OutboxJob.id))).scalars().all()
    slot = int(at.timestamp()) // 3600
    assert keys == [f"every:recompute_values:{slot}", f"every:recompute_values:{slot + 1}"]


def test_a_job_set_to_zero_seconds_is_off(ctx: JobContext) -> None:
    settings = ctx.settings.model_copy(
        update={"schedule": ctx.settings.schedule.model_copy(update={"recompute_values_seconds": 0})}
    )
    # Other periodic jobs come and go; what matters is that this one is gone and only this one.
    on = [job.job for job in periodic_jobs(ctx.settings)]
    assert on[:3] == ["recompute_values", "drain", "purge"]
    assert [job.job for job in periodic_jobs(settings)] == [name for name in on if name != "recompute_values"]

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from inbox import outbox
from inbox.models import Event, Quarantine, utcnow
from tests.support.jobs import JobDriver
from workers.context import JobContext


async def test_the_purge_job_purges_through_the_job_queue(ctx: JobContext, jobs: JobDriver) -> None:
    async with ctx.store.write() as session:
        session.add(
            Quarantine(channel="sms", raw_sha256="f" * 64, reason="x", created_at=utcnow() - timedelta(days=400))
        )
        await outbox.enqueue(session, "purge", "every:purge:1", {})
    await jobs.drain()
    async with ctx.store.read() as session:
        left = (await session.execute(select(func.count()).select_from(Quarantine))).scalar_one()
        logged = (await session.execute(select(Event).where(Event.kind == "privacy.purged"))).scalar_one()
    assert left == 0
    assert logged.data["counts"]["quarantine"] == {"rows": 1}

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from inbox.actions.jobs import do_claim_due_jobs, do_finish_job
from inbox.models import OutboxJob, OutboxStatus, utcnow
from workers.context import JobContext

LEASE = timedelta(minutes=5)


async def add_job(ctx: JobContext, key: str, *, status: OutboxStatus, run_after: datetime, **fields: object) -> int:
    async with ctx.store.write() as session:
        row = OutboxJob(job="route", key=key, payload={"key": key}, status=status.value, run_after=run_after, **fields)
        session.add(row)
        await session.flush()
        return row.id


async def rows(ctx: JobContext) -> dict[str, OutboxJob]:
    async with ctx.store.read() as session:
        return {row.key: row for row in (await session.execute(select(OutboxJob))).scalars().all()}


async def test_due_jobs_are_claimed_oldest_first_and_leased(ctx: JobContext) -> None:
    now = utcnow()
    await add_job(ctx, "later", status=OutboxStatus.PENDING, run_after=now - timedelta(seconds=1), attempts=0)
    await add_job(ctx, "first", status=OutboxStatus.PENDING, run_after=now - timedelta(seconds=9), attempts=0)
    await add_job(ctx, "future", status=OutboxStatus.PENDING, run_after=now + timedelta(minutes=1), attempts=0)
    await add_job(
        ctx, "held", status=OutboxStatus.RUNNING, run_after=now - timedelta(minutes=1), lease_until=now + LEASE
    )
    claimed = await do_claim_due_jobs(ctx.store, limit=10, lease=LEASE, claim_as=OutboxStatus.RUNNING, now=now)
    assert [(job.key, job.payload, job.attempt) for job in claimed] == [
        ("first", {"key": "first"}, 1),
        ("later", {"key": "later"}, 1),
    ]
    stored = await rows(ctx)
    assert {key: row.status for key, row in stored.items()} == {
        "first": "running",
        "later": "running",
        "future": "pending",
        "held": "running",
    }
    assert stored["first"].lease_until == now + LEASE and stored["first"].attempts == 1
    assert await do_claim_due_jobs(ctx.store, limit=10, lease=LEASE, claim_as=OutboxStatus.RUNNING, now=now) == []


async def test_the_limit_takes_the_oldest(ctx: JobContext) -> None:
    now = utcnow()
    for number in range(5):
        await add_job(ctx, f"j{number}", status=OutboxStatus.PENDING, run_after=now - timedelta(seconds=10 - number))
    claimed = await do_claim_due_jobs(ctx.store, limit=2, lease=LEASE, claim_as=OutboxStatus.RUNNING, now=now)
    assert [job.key for job in claimed] == ["j0", "j1"]


async def test_an_expired_lease_is_claimed_again_counting_attempts_as_the_claimer_runs_them(ctx: JobContext) -> None:
    now = utcnow()
    past = now - timedelta(minutes=1)
    await add_job(ctx, "died", status=OutboxStatus.RUNNING, run_after=past, lease_until=past, attempts=2)
    await add_job(ctx, "handed", status=OutboxStatus.DISPATCHED, run_after=past, lease_until=past, attempts=2)
    relayed = await do_claim_due_jobs(ctx.store, limit=10, lease=LEASE, claim_as=OutboxStatus.DISPATCHED, now=now)
    # A job handed to arq again is the same attempt; one whose runner died mid-run was another attempt.
    assert {job.key: job.attempt for job in relayed} == {"died": 3, "handed": 2}
    later = now + LEASE + timedelta(seconds=1)
    reclaimed = await do_claim_due_jobs(ctx.store, limit=10, lease=LEASE, claim_as=OutboxStatus.RUNNING, now=later)
    assert {job.key: job.attempt for job in reclaimed} == {"died": 4, "handed": 3}
    assert {row.status for row in (await rows(ctx)).values()} == {"running"}


async def test_a_finished_job_is_done_without_lease_or_error(ctx: JobContext) -> None:
    now = utcnow()
    job_id = await add_job(
        ctx, "j", status=OutboxStatus.RUNNING, run_after=now, lease_until=now + LEASE, last_error="earlier failure"
    )
    await do_finish_job(ctx.store, job_id)
    row = (await rows(ctx))["j"]
    assert row.status == "done" and row.lease_until is None and row.last_error is None
    assert row.finished_at is not None and row.finished_at >= now

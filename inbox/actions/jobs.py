"""Bookkeeping of the outbox: claiming due jobs, recording their outcome, dead letters and their retry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Table, Update, bindparam, case, or_, select, update

from inbox import audit, outbox
from inbox.models import DeadLetter, OutboxJob, OutboxStatus, utcnow
from inbox.store import Store


@dataclass(frozen=True, slots=True)
class ClaimedJob:
    id: int
    job: str
    key: str
    payload: dict[str, Any]
    attempt: int


async def do_claim_due_jobs(
    store: Store, *, limit: int, lease: timedelta, claim_as: OutboxStatus, now: datetime | None = None
) -> list[ClaimedJob]:
    """Take up to ``limit`` due jobs, or jobs whose holder died (lease expired), and lease them to the caller.

    ``claim_as`` is RUNNING for the embedded runner (it runs them) and DISPATCHED for the relay (it hands them to
    arq). On PostgreSQL, SKIP LOCKED lets several processes claim side by side without taking the same row.
    """
    now = now or utcnow()
    statement = _claim_statement(not store.is_sqlite, claim_as)
    async with store.write() as session:
        result = await session.execute(statement, {"now": now, "limit": limit, "lease_until": now + lease})
        rows = sorted(result.all(), key=lambda row: (row.run_after, row.id))
    return [ClaimedJob(row.id, row.job, row.key, dict(row.payload or {}), max(1, row.attempts)) for row in rows]


@cache
def _claim_statement(skip_locked: bool, claim_as: OutboxStatus) -> Update:
    """One statement both picks the due rows and leases them. It is built once: the runner claims after every
    commit that queued a job, and composing the query each time cost as much as running it."""
    table = OutboxJob.__table__
    assert isinstance(table, Table)
    now = bindparam("now", type_=table.c.run_after.type)
    due = (
        select(table.c.id)
        .where(
            or_(
                (table.c.status == OutboxStatus.PENDING.value) & (table.c.run_after <= now),
                ((table.c.status == OutboxStatus.RUNNING.value) | (table.c.status == OutboxStatus.DISPATCHED.value))
                & (table.c.lease_until < now),
            )
        )
        .order_by(table.c.run_after, table.c.id)
        .limit(bindparam("limit"))
    )
    if skip_locked:
        due = due.with_for_update(skip_locked=True)
    picked = due.cte("due")
    attempts: ColumnElement[int] = table.c.attempts + 1
    if claim_as is not OutboxStatus.RUNNING:
        # A dispatched job whose lease ran out is handed over again (arq drops the duplicate by job id), so it
        # does not count as another attempt; a job that was running when its process died does.
        attempts = table.c.attempts + case((table.c.status == OutboxStatus.DISPATCHED.value, 0), else_=1)
    return (
        update(table)
        .where(table.c.id.in_(select(picked.c.id)))
        .values(
            status=claim_as.value,
            attempts=attempts,
            lease_until=bindparam("lease_until", type_=table.c.lease_until.type),
        )
        .returning(table.c.id, table.c.job, table.c.key, table.c.payload, table.c.attempts, table.c.run_after)
    )


async def do_begin_attempt(store: Store, job_id: int, attempt: int, lease: timedelta) -> ClaimedJob | None:
    """Under arq: note that attempt ``attempt`` of an outbox job starts; None when it is already finished."""
    async with store.write() as session:
        row = await session.get(OutboxJob, job_id)
        if row is None or row.status in (OutboxStatus.DONE.value, OutboxStatus.DEAD.value):
            return None
        row.status = OutboxStatus.RUNNING.value
        row.attempts = max(row.attempts, attempt)
        row.lease_until = utcnow() + lease
        return ClaimedJob(row.id, row.job, row.key, dict(row.payload), row.attempts)


async def do_finish_job(store: Store, job_id: int) -> None:
    async with store.write() as session:
        await session.execute(_FINISH, {"job_id": job_id, "done": OutboxStatus.DONE.value, "finished_at": utcnow()})


def _finish_statement() -> Update:
    table = OutboxJob.__table__
    assert isinstance(table, Table)
    return (
        update(table)
        .where(table.c.id == bindparam("job_id"))
        .values(
            status=bindparam("done"),
            finished_at=bindparam("finished_at", type_=table.c.finished_at.type),
            lease_until=None,
            last_error=None,
        )
    )


# One UPDATE, no read first: finishing is the runner's most frequent write.
_FINISH = _finish_statement()


async def do_schedule_retry(store: Store, job_id: int, error: str, delay_seconds: float, *, release: bool) -> None:
    """Record a failed attempt. ``release`` puts the row back as pending (embedded runner); arq keeps its own
    timer, so there the row stays marked as running with a lease that outlives the wait."""
    async with store.write() as session:
        row = await session.get(OutboxJob, job_id)
        if row is None:
            return
        row.last_error = error
        due = utcnow() + timedelta(seconds=delay_seconds)
        if release:
            row.status = OutboxStatus.PENDING.value
            row.run_after = due
            row.lease_until = None
        else:
            row.status = OutboxStatus.DISPATCHED.value
            row.lease_until = due + timedelta(seconds=store.settings.jobs.lease_seconds)


async def do_bury_job(store: Store, job_id: int, error: str) -> None:
    async with store.write() as session:
        row = await session.get(OutboxJob, job_id)
        if row is None or row.status == OutboxStatus.DEAD.value:
            return
        row.status = OutboxStatus.DEAD.value
        row.last_error = error
        row.finished_at = utcnow()
        row.lease_until = None
        session.add(DeadLetter(job=row.job, key=row.key, payload=row.payload, attempts=row.attempts, error=error))
        audit.record(session, "job.dead", job=row.job, key=row.key, attempts=row.attempts, error=error)


async def do_retry_dead_letter(store: Store, dead_letter_id: int, actor_agent_id: int | None) -> bool:
    """A supervisor's retry: the job is queued afresh under a new key (the old one stays as history), flagged so
    the job knows a failed state may be retried."""
    async with store.write() as session:
        letter = await session.get(DeadLetter, dead_letter_id)
        if letter is None or letter.retried_at is not None:
            return False
        letter.retried_at = utcnow()
        await outbox.enqueue(
            session,
            letter.job,
            f"{letter.key}#retry{letter.id}",
            {**letter.payload, "retry_of_failure": True},
        )
        audit.record(session, "job.retried", actor_agent_id=actor_agent_id, job=letter.job, key=letter.key)
        return True

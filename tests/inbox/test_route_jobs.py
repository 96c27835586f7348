from __future__ import annotations

from sqlalchemy import select, update

from channels.base import Identity, IdentityKind
from inbox.models import OutboxJob, OutboxStatus
from inbox.route_jobs import MAX_CONVERSATIONS_PER_JOB
from tests.support.factories import add_agent, inbound, ingest
from tests.support.jobs import JobDriver
from workers.context import JobContext


async def _new_customer(ctx: JobContext, number: int) -> tuple[int, int]:
    sender = Identity(IdentityKind.EMAIL, f"customer{number}@example.com")
    outcome = await ingest(ctx, inbound(external_id=f"m{number}@example.com", sender=sender, subject=f"M{number}"))
    return outcome.message_id, outcome.conversation_id


async def _route_jobs(ctx: JobContext) -> list[OutboxJob]:
    async with ctx.store.read() as session:
        rows = await session.execute(select(OutboxJob).where(OutboxJob.job == "route").order_by(OutboxJob.id))
        return list(rows.scalars())


async def test_batches_stored_while_routing_waits_share_one_job(ctx: JobContext, jobs: JobDriver) -> None:
    agent = await add_agent(ctx, "Chen Jing")
    stored = [await _new_customer(ctx, number) for number in range(3)]
    (job,) = await _route_jobs(ctx)
    assert job.key == f"route:{stored[0][0]}"
    assert job.payload["conversation_ids"] == sorted(conversation for _, conversation in stored)
    await jobs.drain()
    async with ctx.store.read() as session:
        from inbox.models import Conversation

        rows = await session.execute(select(Conversation.assignee_id))
        assert set(rows.scalars().all()) == {agent}


async def test_a_job_already_taken_is_never_changed(ctx: JobContext) -> None:
    first_message, first = await _new_customer(ctx, 1)
    async with ctx.store.write() as session:
        await session.execute(update(OutboxJob).values(status=OutboxStatus.RUNNING.value))
    second_message, second = await _new_customer(ctx, 2)
    running, waiting = await _route_jobs(ctx)
    assert running.key == f"route:{first_message}" and running.payload == {"conversation_ids": [first]}
    assert waiting.key == f"route:{second_message}" and waiting.payload == {"conversation_ids": [second]}


async def test_a_full_job_starts_another(ctx: JobContext) -> None:
    _, first = await _new_customer(ctx, 1)
    async with ctx.store.write() as session:
        full = [first, *range(10_000, 10_000 + MAX_CONVERSATIONS_PER_JOB - 1)]
        await session.execute(update(OutboxJob).values(payload={"conversation_ids": full}))
    second_message, second = await _new_customer(ctx, 2)
    jobs = await _route_jobs(ctx)
    assert len(jobs) == 2 and jobs[0].payload == {"conversation_ids": full}
    assert jobs[1].key == f"route:{second_message}" and jobs[1].payload == {"conversation_ids": [second]}

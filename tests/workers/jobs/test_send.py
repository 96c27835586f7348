from __future__ import annotations

from sqlalchemy import select

from channels.base import ChannelName, PermanentChannelError, TransientChannelError
from inbox.actions.reply import do_reply
from inbox.models import DeadLetter, Message, OutboxJob
from tests.support.factories import inbound, ingest
from tests.support.jobs import JobDriver
from tests.support.recording_channel import RecordingChannel
from workers.composition import build_context, close_context
from workers.context import JobContext


def email_channel(ctx: JobContext) -> RecordingChannel:
    adapter = ctx.channels.get(ChannelName.EMAIL)
    assert isinstance(adapter, RecordingChannel)
    return adapter


async def reply(ctx: JobContext) -> int:
    first = await ingest(ctx, inbound())
    outcome = await do_reply(ctx.store, conversation_id=first.conversation_id, agent_id=None, text="Done.")
    return outcome.message_id


async def message(ctx: JobContext, message_id: int) -> Message:
    async with ctx.store.read() as session:
        row = await session.get(Message, message_id)
    assert row is not None
    return row


async def test_a_queued_reply_is_sent_on_its_channel_and_marked_sent(ctx: JobContext, jobs: JobDriver) -> None:
    message_id = await reply(ctx)
    await jobs.drain()
    sent = email_channel(ctx).sent
    assert [item.message_id for item in sent] == [message_id]
    assert sent[0].to.value == "alice@example.com"
    assert sent[0].in_reply_to == "m1@example.com"
    row = await message(ctx, message_id)
    assert row.delivery_status == "sent" and row.external_id == f"email-out-{message_id}"


async def test_a_job_committed_but_never_dispatched_runs_after_a_restart(ctx: JobContext) -> None:
    # The process "dies" right after the commit: nothing ran the job.
    message_id = await reply(ctx)
    assert email_channel(ctx).sent == []
    restarted = build_context(ctx.settings, ctx.channels)
    driver = JobDriver(restarted)
    try:
        await driver.drain()
    finally:
        await driver.close()
        await close_context(restarted)
    assert [item.message_id for item in email_channel(ctx).sent] == [message_id]


async def test_a_send_job_run_twice_sends_once(ctx: JobContext, jobs: JobDriver) -> None:
    message_id = await reply(ctx)
    await jobs.drain()
    # Replay the job as a crash before its acknowledgement would.
    async with ctx.store.write() as session:
        row = (await session.execute(select(OutboxJob).where(OutboxJob.key == f"send:{message_id}"))).scalar_one()
        row.status = "pending"
    await jobs.drain()
    assert len(email_channel(ctx).sent) == 1


async def test_a_job_whose_process_died_mid_run_is_taken_up_again(ctx: JobContext, jobs: JobDriver) -> None:
    from datetime import timedelta

    from inbox.models import utcnow

    message_id = await reply(ctx)
    async with ctx.store.write() as session:
        row = (await session.execute(select(OutboxJob).where(OutboxJob.key == f"send:{message_id}"))).scalar_one()
        # As a runner leaves it when killed: claimed, leased, never finished.
        row.status = "running"
        row.attempts = 1
        row.lease_until = utcnow() - timedelta(seconds=1)
    await jobs.drain()
    assert [item.message_id for item in email_channel(ctx).sent] == [message_id]


async def test_a_transient_failure_is_retried_with_back_off(ctx: JobContext, jobs: JobDriver) -> None:
    message_id = await reply(ctx)
    email_channel(ctx).fail_next(TransientChannelError("451 try again later"))
    await jobs.drain()
    assert [item.message_id for item in email_channel(ctx).sent] == [message_id]
    async with ctx.store.read() as session:
        row = (await session.execute(select(OutboxJob).where(OutboxJob.key == f"send:{message_id}"))).scalar_one()
    assert row.status == "done" and row.attempts == 2


async def test_a_permanent_failure_marks_the_message_failed_with_the_reason(ctx: JobContext, jobs: JobDriver) -> None:
    message_id = await reply(ctx)
    email_channel(ctx).fail_next(PermanentChannelError("550 mailbox unavailable", code="550"))
    await jobs.drain()
    row = await message(ctx, message_id)
    assert row.delivery_status == "failed" and row.failure_reason == "550 mailbox unavailable"
    assert email_channel(ctx).sent == []


async def test_exhausted_retries_land_in_the_dead_letter_list(ctx: JobContext, jobs: JobDriver) -> None:
    message_id = await reply(ctx)
    attempts = ctx.settings.jobs.max_attempts
    email_channel(ctx).fail_next(*(TransientChannelError("connection refused") for _ in range(attempts)))
    await jobs.drain()
    row = await message(ctx, message_id)
    assert row.delivery_status == "failed"
    assert row.failure_reason == f"gave up after {attempts} attempts: connection refused"
    async with ctx.store.read() as session:
        letters = (await session.execute(select(DeadLetter))).scalars().all()
    assert [(letter.key, letter.attempts) for letter in letters] == [(f"send:{message_id}", attempts)]


async def test_a_supervisor_can_retry_a_dead_letter(ctx: JobContext, jobs: JobDriver) -> None:
    from inbox.actions.jobs import do_retry_dead_letter

    message_id = await reply(ctx)
    attempts = ctx.settings.jobs.max_attempts
    email_channel(ctx).fail_next(*(TransientChannelError("connection refused") for _ in range(attempts)))
    await jobs.drain()
    async with ctx.store.read() as session:
        letter = (await session.execute(select(DeadLetter))).scalar_one()
    assert await do_retry_dead_letter(ctx.store, letter.id, actor_agent_id=None)
    assert not await do_retry_dead_letter(ctx.store, letter.id, actor_agent_id=None)
    await jobs.drain()
    assert [item.message_id for item in email_channel(ctx).sent] == [message_id]
    assert (await message(ctx, message_id)).delivery_status == "sent"

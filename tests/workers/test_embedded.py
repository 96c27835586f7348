from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from channels.base import ChannelName
from inbox.actions.reply import do_reply
from inbox.models import OutboxJob
from tests.support import backends
from tests.support.factories import inbound, ingest
from tests.support.recording_channel import RecordingChannel
from workers.context import JobContext
from workers.embedded import EmbeddedRunner

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(backends.uses_postgres(), reason="the arq run covers lost workers through leases and relays")
async def test_a_runner_killed_mid_send_loses_nothing_and_sends_once(ctx: JobContext, tmp_path: Path) -> None:
    first = await ingest(ctx, inbound())
    reply = await do_reply(ctx.store, conversation_id=first.conversation_id, agent_id=None, text="On its way.")
    async with ctx.store.write() as session:
        # Routing is not what this test is about; only the send job should be in play.
        for job in (await session.execute(select(OutboxJob).where(OutboxJob.job == "route"))).scalars():
            job.status = "done"
    marker = tmp_path / "sending"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.support.doomed_runner",
        ctx.store.url,
        str(ctx.settings.data_dir),
        str(marker),
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        for _ in range(600):
            if marker.exists():
                break
            await asyncio.sleep(0.05)
        assert marker.read_text() == str(reply.message_id), "the runner never reached the send"
    finally:
        process.send_signal(signal.SIGKILL)
        await process.wait()
    async with ctx.store.read() as session:
        job = (await session.execute(select(OutboxJob).where(OutboxJob.key == f"send:{reply.message_id}"))).scalar_one()
    assert job.status == "running" and job.attempts == 1
    # The killed runner's lease (one second) runs out; a fresh runner takes the job up again.
    await asyncio.sleep(1.2)
    await EmbeddedRunner(ctx).run_once()
    adapter = ctx.channels.get(ChannelName.EMAIL)
    assert isinstance(adapter, RecordingChannel)
    assert [item.message_id for item in adapter.sent] == [reply.message_id]
    async with ctx.store.read() as session:
        job = (await session.execute(select(OutboxJob).where(OutboxJob.key == f"send:{reply.message_id}"))).scalar_one()
    assert job.status == "done" and job.attempts == 2
    await EmbeddedRunner(ctx).run_once()
    assert len(adapter.sent) == 1

"""Hands committed outbox rows to arq when Redis is configured; the rows are the durable record, Redis the
delivery. A row handed over but never finished (Redis lost it, or the worker died) is handed over again."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from arq.connections import ArqRedis

from inbox.actions.jobs import do_claim_due_jobs
from inbox.models import OutboxStatus
from inbox.store import Store

log = logging.getLogger("hub.relay")
ARQ_FUNCTION = "run_outbox_job"


def arq_job_id(queue_name: str, outbox_id: int) -> str:
    # Scoped by queue so hubs sharing one Redis never collide on a row id.
    return f"{queue_name}:outbox:{outbox_id}"


class OutboxRelay:
    def __init__(self, store: Store, redis: ArqRedis) -> None:
        self.store = store
        self.redis = redis
        self.settings = store.settings
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    async def relay_once(self) -> int:
        jobs = self.settings.jobs
        claimed = await do_claim_due_jobs(
            self.store,
            limit=jobs.relay_batch_size,
            lease=timedelta(seconds=jobs.lease_seconds),
            claim_as=OutboxStatus.DISPATCHED,
        )
        for job in claimed:
            # arq refuses a second job with the same id while the first is queued, running or remembered, so
            # handing a row over twice cannot run it twice.
            await self.redis.enqueue_job(
                ARQ_FUNCTION, job.id, _job_id=arq_job_id(jobs.queue_name, job.id), _queue_name=jobs.queue_name
            )
        return len(claimed)

    async def _loop(self) -> None:
        interval = self.settings.jobs.relay_interval_seconds
        waiting = self.store.jobs_waiting
        while not self._stopping.is_set():
            waiting.clear()
            try:
                relayed = await self.relay_once()
            except Exception:
                log.exception("could not relay outbox rows; trying again shortly")
                relayed = 0
            if relayed >= self.settings.jobs.relay_batch_size:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiting.wait(), timeout=interval)

    def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        self._stopping.set()
        self.store.jobs_waiting.set()
        if self._task is not None:
            await self._task

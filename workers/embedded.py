"""The in-process job runner of the embedded default: the outbox itself is the queue.

It claims due rows, runs them with the same job functions and retry policy as the arq workers, and writes the
outcome back. A row whose process died mid-job is claimed again once its lease expires.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from inbox.actions.jobs import ClaimedJob, do_bury_job, do_claim_due_jobs, do_finish_job, do_schedule_retry
from inbox.models import OutboxStatus
from workers.context import JobContext
from workers.execute import Verdict, execute
from workers.jobs import JobSpec, job_table

log = logging.getLogger("hub.runner")

# Every commit that queues a job wakes the runner; under a burst of group-committed webhooks that is a claim (a
# write transaction) per commit. Waiting this long after a wake-up lets one claim take what several queued.
GATHER_SECONDS = 0.02


class EmbeddedRunner:
    def __init__(self, ctx: JobContext, *, concurrency: int = 8) -> None:
        self.ctx = ctx
        self.jobs: dict[str, JobSpec] = job_table()
        self._slots = asyncio.Semaphore(concurrency)
        self._concurrency = concurrency
        self._running: set[asyncio.Task[None]] = set()
        self._loop_task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.ctx.settings.jobs.lease_seconds)

    async def run_once(self) -> int:
        """Claim and run every job that is due now; returns how many ran. Used by the loop and by tests."""
        free = max(1, self._concurrency - len(self._running))
        claimed = await do_claim_due_jobs(
            self.ctx.store,
            limit=min(free, self.ctx.settings.jobs.relay_batch_size),
            lease=self.lease,
            claim_as=OutboxStatus.RUNNING,
        )
        if claimed:
            await asyncio.gather(*(self._run(job) for job in claimed))
        return len(claimed)

    async def drain(self, *, max_rounds: int = 1000) -> int:
        """Run until nothing is due (jobs a job queued included)."""
        total = 0
        for _ in range(max_rounds):
            ran = await self.run_once()
            if ran == 0:
                break
            total += ran
        return total

    async def _run(self, job: ClaimedJob) -> None:
        async with self._slots:
            spec = self.jobs.get(job.job)
            if spec is None:
                await do_bury_job(self.ctx.store, job.id, f"no job called {job.job!r} exists in this version")
                return
            outcome = await execute(self.ctx, spec, job.job, job.key, job.payload, job.attempt)
            if outcome.verdict is Verdict.DONE:
                await do_finish_job(self.ctx.store, job.id)
            elif outcome.verdict is Verdict.RETRY:
                await do_schedule_retry(
                    self.ctx.store, job.id, outcome.error or "", outcome.retry_in_seconds, release=True
                )
            else:
                await do_bury_job(self.ctx.store, job.id, outcome.error or "failed")

    async def _loop(self) -> None:
        interval = self.ctx.settings.jobs.relay_interval_seconds
        waiting = self.ctx.store.jobs_waiting
        while not self._stopping.is_set():
            waiting.clear()
            try:
                claimed = await do_claim_due_jobs(
                    self.ctx.store,
                    limit=min(self._concurrency, self.ctx.settings.jobs.relay_batch_size),
                    lease=self.lease,
                    claim_as=OutboxStatus.RUNNING,
                )
            except Exception:
                log.exception("could not claim jobs; trying again shortly")
                claimed = []
            for job in claimed:
                task = asyncio.create_task(self._run(job))
                self._running.add(task)
                task.add_done_callback(self._running.discard)
            if len(claimed) >= self._concurrency:
                await asyncio.sleep(0)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiting.wait(), timeout=interval)
                await asyncio.sleep(GATHER_SECONDS)

    def start(self) -> None:
        self._stopping.clear()
        self._loop_task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        self._stopping.set()
        self.ctx.store.jobs_waiting.set()
        if self._loop_task is not None:
            await self._loop_task
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)

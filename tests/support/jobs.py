"""Running queued jobs to completion in tests, with the runner the backend uses in production."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from arq.connections import ArqRedis, RedisSettings, create_pool
from sqlalchemy import func, select

from inbox.models import OutboxJob, OutboxStatus, utcnow
from workers.arq_worker import make_worker
from workers.context import JobContext
from workers.embedded import EmbeddedRunner
from workers.relay import OutboxRelay


class JobDriver:
    def __init__(self, ctx: JobContext) -> None:
        self.ctx = ctx
        self._redis: ArqRedis | None = None

    async def drain(self, rounds: int = 50) -> None:
        """Run every due job, and the jobs they queue, until nothing is left to do."""
        if not self.ctx.settings.jobs.uses_arq:
            runner = EmbeddedRunner(self.ctx)
            # Retries are scheduled a few milliseconds ahead in tests; wait for them rather than stop early.
            while True:
                if await runner.run_once():
                    continue
                if not await self._retry_pending():
                    return
                await asyncio.sleep(0.005)
        if self._redis is None:
            self._redis = await create_pool(RedisSettings.from_dsn(self.ctx.settings.jobs.redis_url))
        relay = OutboxRelay(self.ctx.store, self._redis)
        for _ in range(rounds):
            relayed = await relay.relay_once()
            queued = await self._redis.zcard(self.ctx.settings.jobs.queue_name)
            if relayed == 0 and queued == 0:
                return
            worker = make_worker(self.ctx.settings, burst=True, relay=False, channels=self.ctx.channels)
            await worker.main()
            await worker.close()

    async def _retry_pending(self) -> bool:
        """Retries due within a second count; work deliberately scheduled later (a survey, a snooze) does not."""
        horizon = utcnow() + timedelta(seconds=1)
        async with self.ctx.store.read() as session:
            waiting = await session.execute(
                select(func.count())
                .select_from(OutboxJob)
                .where(OutboxJob.status == OutboxStatus.PENDING.value, OutboxJob.run_after <= horizon)
            )
            return int(waiting.scalar_one()) > 0

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()

"""Periodic jobs, run through the outbox like every other job.

Each run's key is the job's name and its time slot, so however many processes run a scheduler — several web
processes and workers — a slot is queued once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from inbox import outbox
from inbox.models import utcnow
from inbox.settings import Settings
from inbox.store import Store

log = logging.getLogger("hub.schedule")


@dataclass(frozen=True, slots=True)
class Periodic:
    job: str
    every_seconds: int
    payload: dict[str, Any] = field(default_factory=dict)

    def slot_key(self, now: datetime) -> str:
        return f"every:{self.job}:{int(now.timestamp()) // self.every_seconds}"


def periodic_jobs(settings: Settings) -> list[Periodic]:
    wanted = [
        Periodic("recompute_values", settings.schedule.recompute_values_seconds),
        Periodic("drain", settings.schedule.drain_queue_seconds, {"reason": "scheduled"}),
        Periodic("purge", settings.schedule.purge_seconds),
        Periodic("presence_sweep", settings.live.presence_sweep_seconds),
        Periodic("wake_snoozed", settings.collaboration.wake_snoozed_seconds),
        Periodic("webhook_log_purge", settings.webhooks.log_purge_seconds),
        Periodic("campaign_sync", settings.campaigns.sync_seconds),
    ]
    return [job for job in wanted if job.every_seconds > 0]


async def enqueue_due(store: Store, jobs: list[Periodic], now: datetime | None = None) -> int:
    """Queue each job's current slot unless already queued; returns how many were new."""
    now = now or utcnow()
    queued = 0
    async with store.write() as session:
        for job in jobs:
            queued += await outbox.enqueue(session, job.job, job.slot_key(now), job.payload)
    return queued


class Scheduler:
    def __init__(self, store: Store, settings: Settings, *, check_every_seconds: float = 30.0) -> None:
        self.store = store
        self.jobs = periodic_jobs(settings)
        self.check_every_seconds = check_every_seconds
        self._task: asyncio.Task[None] | None = None

    async def _loop(self) -> None:
        while True:
            try:
                await enqueue_due(self.store, self.jobs)
            except Exception:
                log.exception("could not queue periodic jobs; trying again shortly")
            await asyncio.sleep(self.check_every_seconds)

    def start(self) -> None:
        if self.jobs and self._task is None:
            self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

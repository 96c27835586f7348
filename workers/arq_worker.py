"""The production job process: arq workers running the same job functions as the embedded runner."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from arq import Retry
from arq.connections import RedisSettings
from arq.worker import Function, Worker, func

from channels.registry import ChannelRegistry
from inbox.actions.jobs import do_begin_attempt, do_bury_job, do_finish_job, do_schedule_retry
from inbox.crypto.key_check import require_usable_keys
from inbox.realtime import PublishingSink, process_bus
from inbox.realtime.changes import attach_bus
from inbox.settings import Settings
from inbox.sink import StoreSink
from workers.composition import build_context, close_context
from workers.context import JobContext
from workers.execute import Verdict, execute
from workers.jobs import job_table
from workers.mail_polling import start_mail_polling
from workers.relay import ARQ_FUNCTION, OutboxRelay
from workers.schedule import Scheduler


async def run_outbox_job(ctx: dict[str, Any], outbox_id: int) -> str:
    hub: JobContext = ctx["hub"]
    attempt = int(ctx.get("job_try", 1))
    lease = timedelta(seconds=hub.settings.jobs.lease_seconds)
    job = await do_begin_attempt(hub.store, outbox_id, attempt, lease)
    if job is None:
        return "already finished"
    spec = job_table().get(job.job)
    if spec is None:
        await do_bury_job(hub.store, job.id, f"no job called {job.job!r} exists in this version")
        return "unknown job"
    outcome = await execute(hub, spec, job.job, job.key, job.payload, attempt)
    if outcome.verdict is Verdict.DONE:
        await do_finish_job(hub.store, job.id)
        return "done"
    if outcome.verdict is Verdict.DEAD:
        await do_bury_job(hub.store, job.id, outcome.error or "failed")
        return "dead"
    await do_schedule_retry(hub.store, job.id, outcome.error or "", outcome.retry_in_seconds, release=False)
    raise Retry(defer=outcome.retry_in_seconds)


def worker_options(
    settings: Settings, *, burst: bool = False, relay: bool = True, channels: ChannelRegistry | None = None
) -> dict[str, Any]:
    async def startup(ctx: dict[str, Any]) -> None:
        hub = build_context(settings, channels)
        ctx["hub"] = hub
        # A worker with a missing or wrong encryption key must not start taking jobs.
        await require_usable_keys(hub.store)
        if relay:
            # Workers relay and schedule too, so the outbox drains and periodic jobs run with no web process up.
            ctx["relay"] = OutboxRelay(hub.store, ctx["redis"])
            ctx["relay"].start()
            ctx["scheduler"] = Scheduler(hub.store, settings)
            ctx["scheduler"].start()
            ctx["sink"] = PublishingSink(StoreSink(hub.store, hub.blobs, settings), process_bus(settings))
            # Assignments and other changes the jobs commit here reach the agents' live inboxes in the web processes.
            attach_bus(hub.store, process_bus(settings))
            ctx["mail"] = start_mail_polling(settings, hub.store, ctx["sink"])

    async def shutdown(ctx: dict[str, Any]) -> None:
        if ctx.get("mail") is not None:
            await ctx["mail"].stop()
        if "sink" in ctx:
            await ctx["sink"].close()
        if "scheduler" in ctx:
            await ctx["scheduler"].stop()
        if "relay" in ctx:
            await ctx["relay"].stop()
        if "hub" in ctx:
            await close_context(ctx["hub"])

    function: Function = func(
        run_outbox_job,
        name=ARQ_FUNCTION,
        # Our own policy decides when a job is dead; arq's limit only guards against a runaway.
        max_tries=settings.jobs.max_attempts + 1,
        timeout=settings.jobs.lease_seconds,
    )
    return {
        "functions": [function],
        "on_startup": startup,
        "on_shutdown": shutdown,
        "redis_settings": RedisSettings.from_dsn(settings.jobs.redis_url),
        "queue_name": settings.jobs.queue_name,
        "max_jobs": 20,
        "burst": burst,
        "keep_result": 3600,
        "handle_signals": not burst,
        "poll_delay": 0.1,
    }


def make_worker(
    settings: Settings, *, burst: bool = False, relay: bool = True, channels: ChannelRegistry | None = None
) -> Worker:
    return Worker(**worker_options(settings, burst=burst, relay=relay, channels=channels))


def __getattr__(name: str) -> Any:
    """``arq workers.arq_worker.WorkerSettings`` works too: the same worker as ``hub worker``, configured from
    settings.toml and the environment when asked for, not at import."""
    if name == "WorkerSettings":
        from inbox.settings import load_settings

        return type("WorkerSettings", (), worker_options(load_settings()))
    raise AttributeError(name)

"""Builds the process's parts from the settings: store, files, channel adapters, and the job processing that
matches the configuration (the embedded runner, or the relay to arq)."""

from __future__ import annotations

from dataclasses import dataclass

from arq.connections import ArqRedis, RedisSettings, create_pool

from channels.base import InboundSink
from channels.registry import ChannelRegistry
from inbox.blobs import BlobStore
from inbox.settings import Settings
from inbox.store import Store
from inbox.webhook_events import configure_subscription_cache
from workers.context import JobContext
from workers.embedded import EmbeddedRunner
from workers.mail_polling import MailPolling, start_mail_polling
from workers.relay import OutboxRelay
from workers.retry import RetryPolicy
from workers.schedule import Scheduler


def build_channels(settings: Settings) -> ChannelRegistry:
    registry = ChannelRegistry()
    from workers.channel_setup import register_configured_channels

    register_configured_channels(registry, settings)
    return registry


def build_context(settings: Settings, channels: ChannelRegistry | None = None) -> JobContext:
    store = Store(settings)
    configure_subscription_cache(store)
    return JobContext(
        settings=settings,
        store=store,
        blobs=BlobStore(settings.data_dir / "blobs"),
        channels=channels if channels is not None else build_channels(settings),
        retry=RetryPolicy.from_settings(settings.jobs),
    )


async def close_context(ctx: JobContext) -> None:
    for adapter in ctx.channels:
        close = getattr(adapter, "aclose", None)
        if close is not None:
            await close()
    await ctx.store.dispose()


@dataclass
class JobProcessing:
    """Whatever moves outbox rows to job functions in this process."""

    runner: EmbeddedRunner | None = None
    relay: OutboxRelay | None = None
    redis: ArqRedis | None = None
    scheduler: Scheduler | None = None
    mail: MailPolling | None = None

    async def stop(self) -> None:
        if self.mail is not None:
            await self.mail.stop()
        if self.scheduler is not None:
            await self.scheduler.stop()
        if self.runner is not None:
            await self.runner.stop()
        if self.relay is not None:
            await self.relay.stop()
        if self.redis is not None:
            await self.redis.aclose()


async def start_job_processing(ctx: JobContext, sink: InboundSink | None = None) -> JobProcessing:
    """With a ``sink``, the process that runs jobs here also reads the mailboxes (with arq, ``hub worker`` does)."""
    scheduler = Scheduler(ctx.store, ctx.settings)
    scheduler.start()
    if ctx.settings.jobs.uses_arq:
        redis = await create_pool(RedisSettings.from_dsn(ctx.settings.jobs.redis_url))
        relay = OutboxRelay(ctx.store, redis)
        relay.start()
        return JobProcessing(relay=relay, redis=redis, scheduler=scheduler)
    runner = EmbeddedRunner(ctx)
    runner.start()
    mail = start_mail_polling(ctx.settings, ctx.store, sink) if sink is not None else None
    return JobProcessing(runner=runner, scheduler=scheduler, mail=mail)

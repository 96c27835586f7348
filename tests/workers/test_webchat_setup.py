"""Wiring: the chat runs only when configured, and then both its routes and its adapter are there."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
import redis.asyncio as aioredis
from pydantic import SecretStr
from starlette.routing import BaseRoute

from channels.base import ChannelName
from channels.registry import ChannelRegistry
from channels.webchat import RateLimit, WebchatChannel
from inbox.settings import Settings, WebchatInbox, WebchatSection
from inbox.sink import StoreSink
from tests.support import backends
from workers.channel_setup import register_configured_channels
from workers.context import JobContext
from workers.webchat_hours import DAYS
from workers.webchat_setup import StoreVisitors, shared_limiters, webchat_config
from workers.webhooks import channel_routes

# Only stops a hung test; nothing here measures speed.
HANG_GUARD = 30.0


def _configured(settings: Settings) -> Settings:
    section = WebchatSection(
        secret_key=SecretStr("k" * 32),
        identity_secrets={"shop": SecretStr("s3cret")},
        inboxes=[WebchatInbox(key="shop", allowed_origins=["https://shop.example/"], prechat_form=True)],
    )
    return settings.model_copy(update={"webchat": section})


def _paths(routes: list[BaseRoute]) -> set[str]:
    return {str(getattr(route, "path", "")) for route in routes}


async def test_without_a_signing_key_there_is_no_chat(ctx: JobContext) -> None:
    assert webchat_config(ctx.settings) is None
    registry = ChannelRegistry()
    register_configured_channels(registry, ctx.settings)
    assert ChannelName.WEBCHAT not in registry
    sink = StoreSink(ctx.store, ctx.blobs, ctx.settings)
    assert "/channels/webchat/ws" not in _paths(channel_routes(ctx.settings, sink, ctx.store))
    await sink.close()


async def test_a_configured_chat_has_its_routes_and_adapter(ctx: JobContext) -> None:
    settings = _configured(ctx.settings)
    config = webchat_config(settings)
    assert config is not None
    inbox = config.inbox("shop")
    assert inbox is not None and inbox.allowed_origins == ("https://shop.example",)
    assert inbox.identity_secret == "s3cret" and inbox.prechat_form
    registry = ChannelRegistry()
    register_configured_channels(registry, settings)
    assert isinstance(registry.get(ChannelName.WEBCHAT), WebchatChannel)
    sink = StoreSink(ctx.store, ctx.blobs, settings)
    paths = _paths(channel_routes(settings, sink, ctx.store))
    assert {"/channels/webchat/ws", "/widget.js", "/channels/webchat/{name}"} <= paths
    await sink.close()


async def test_visitors_arriving_together_share_one_availability_read(
    ctx: JobContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    visitors = StoreVisitors(ctx.store, _configured(ctx.settings))
    reads = 0
    real_read = ctx.store.read

    def counted_read() -> object:
        nonlocal reads
        reads += 1
        return real_read()

    monkeypatch.setattr(ctx.store, "read", counted_read)
    answers = await asyncio.gather(*(visitors.availability("shop") for _ in range(50)))
    assert reads == 1
    # Nobody is signed in: every visitor hears the same "no agent" answer.
    assert {(answer.online, answer.reason) for answer in answers} == {(False, "no_agent")}
    await visitors.availability("shop")
    assert reads == 1


async def test_a_visitor_hanging_up_does_not_cancel_the_others_answer(ctx: JobContext) -> None:
    visitors = StoreVisitors(ctx.store, _configured(ctx.settings))
    leaving = asyncio.create_task(visitors.availability("shop"))
    staying = asyncio.create_task(visitors.availability("shop"))
    await asyncio.sleep(0)
    leaving.cancel()
    answer = await asyncio.wait_for(staying, timeout=HANG_GUARD)
    assert answer.reason == "no_agent"


async def test_with_redis_two_processes_hold_a_visitor_to_one_limit(ctx: JobContext) -> None:
    probe = aioredis.Redis.from_url(backends.REDIS_URL)
    try:
        await probe.ping()
    except Exception as error:
        if backends.uses_postgres():
            pytest.fail(f"Redis is required on this backend: {error}")
        pytest.skip(f"Redis is not reachable: {error}")
    finally:
        await probe.aclose()
    queue = f"hub:test:{uuid.uuid4().hex[:8]}"
    jobs = ctx.settings.jobs.model_copy(update={"redis_url": backends.REDIS_URL, "queue_name": queue})
    settings = _configured(ctx.settings).model_copy(update={"jobs": jobs})
    assert shared_limiters(ctx.settings.model_copy(update={"jobs": jobs.model_copy(update={"redis_url": ""})})) is None
    # Each call stands for one web process, with its own Redis connection.
    first, second = shared_limiters(settings), shared_limiters(settings)
    assert first is not None and second is not None
    limit = RateLimit(burst=2, per_second=0.01)
    here, there = first("visitor", limit), second("visitor", limit)
    assert [await here.take("v1"), await there.take("v1")] == [0.0, 0.0]
    assert await here.take("v1") > 0 and await there.take("v1") > 0
    # Another hub on the same Redis (another queue name) has buckets of its own.
    other = _configured(ctx.settings).model_copy(update={"jobs": jobs.model_copy(update={"queue_name": queue + "x"})})
    elsewhere = shared_limiters(other)
    assert elsewhere is not None and await elsewhere("visitor", limit).take("v1") == 0.0


async def test_each_site_may_keep_its_own_hours(ctx: JobContext) -> None:
    tomorrow = DAYS[(datetime.now(UTC).weekday() + 1) % 7]
    closed_now = [f"{tomorrow} 00:00-00:01"]
    settings = _configured(ctx.settings)
    inboxes = [
        # Open around the clock, as the chat's own hours say.
        WebchatInbox(key="shop", allowed_origins=["https://shop.example"]),
        # Its own hours, in its own zone: today it is closed.
        WebchatInbox(key="outlet", allowed_origins=["https://outlet.example"], hours=closed_now, timezone="UTC"),
        # Only a zone of its own: the chat's hours, read there.
        WebchatInbox(key="abroad", allowed_origins=["https://abroad.example"], timezone="Asia/Shanghai"),
    ]
    settings = settings.model_copy(update={"webchat": settings.webchat.model_copy(update={"inboxes": inboxes})})
    visitors = StoreVisitors(ctx.store, settings)
    outlet = await visitors.availability("outlet")
    assert (outlet.online, outlet.reason) == (False, "closed")
    assert outlet.opens_at is not None and outlet.opens_at.endswith("T00:00+00:00")
    # Nobody is signed in, so the open sites say no agent is free rather than closed.
    assert (await visitors.availability("shop")).reason == "no_agent"
    assert (await visitors.availability("abroad")).reason == "no_agent"
    assert (await visitors.availability("unknown")).reason == "no_agent"

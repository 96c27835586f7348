"""The realtime bus, in-process and over Redis, and the sink that announces stored messages on it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from channels.base import ChannelName, DeliveryStatus, DeliveryUpdate
from channels.webchat import ports
from inbox.actions.reply import do_reply
from inbox.realtime import INBOX_TOPIC, Bus, InProcessBus, PublishingSink, RedisBus, visitor_topic
from inbox.sink import StoreSink
from tests.support import backends
from tests.support.factories import inbound
from tests.support.jobs import JobDriver
from workers.context import JobContext


async def _redis_or_skip() -> str:
    client = aioredis.Redis.from_url(backends.REDIS_URL)
    try:
        await client.ping()
    except Exception as error:
        if backends.uses_postgres():
            pytest.fail(f"Redis is required on this backend: {error}")
        pytest.skip(f"Redis is not reachable: {error}")
    finally:
        await client.aclose()
    return backends.REDIS_URL


@pytest.fixture(params=["memory", "redis"])
async def bus(request: pytest.FixtureRequest) -> AsyncIterator[Bus]:
    made: Bus = InProcessBus() if request.param == "memory" else RedisBus(await _redis_or_skip())
    yield made
    await made.aclose()


async def test_every_subscriber_of_a_topic_gets_each_event_in_order(bus: Bus) -> None:
    topic = f"test:{uuid.uuid4().hex}"
    first, second = await bus.subscribe(topic), await bus.subscribe(topic)
    elsewhere = await bus.subscribe(topic + ":other")
    for number in range(3):
        await bus.publish(topic, {"type": "n", "n": number})
    for subscription in (first, second):
        assert [(await subscription.get() or {}).get("n") for _ in range(3)] == [0, 1, 2]
    assert await bus.listeners(topic) >= 1
    await first.close()
    assert await bus.listeners(topic) >= 1
    await second.close()
    assert await bus.listeners(topic) == 0
    await bus.publish(topic + ":other", {"type": "x"})
    assert await elsewhere.get() == {"type": "x"}


async def test_a_closed_subscription_ends_its_reader(bus: Bus) -> None:
    subscription = await bus.subscribe(f"test:{uuid.uuid4().hex}")
    waiting = asyncio.create_task(subscription.get())
    await asyncio.sleep(0)
    await subscription.close()
    assert await asyncio.wait_for(waiting, 5) is None


async def test_redis_carries_events_between_separate_buses() -> None:
    url = await _redis_or_skip()
    web, worker = RedisBus(url), RedisBus(url)
    topic = visitor_topic(f"v{uuid.uuid4().hex}")
    try:
        feed = await web.subscribe(topic)
        assert await worker.listeners(topic) == 1
        await worker.publish(topic, {"type": "message.created", "text": "你好"})
        assert await asyncio.wait_for(feed.get(), 5) == {"type": "message.created", "text": "你好"}
    finally:
        await web.aclose()
        await worker.aclose()


def test_a_slow_listener_is_cut_off_instead_of_growing_without_bound() -> None:
    from inbox.realtime.bus import QUEUE_LIMIT, Subscription

    subscription = Subscription("t")
    for number in range(QUEUE_LIMIT + 5):
        subscription.deliver({"n": number})
    assert subscription.overflowed and subscription.closed


def test_the_channel_and_the_hub_name_topics_alike() -> None:
    assert ports.INBOX_TOPIC == INBOX_TOPIC
    assert ports.visitor_topic("v1") == visitor_topic("v1")


async def test_stored_messages_are_announced_once(ctx: JobContext) -> None:
    bus = InProcessBus()
    sink = PublishingSink(StoreSink(ctx.store, ctx.blobs, ctx.settings), bus)
    agents = await bus.subscribe(INBOX_TOPIC)
    message = inbound(ChannelName.SMS, external_id="SM1", text="Where is my parcel?")
    try:
        await sink.ingest(message)
        await sink.ingest(message)
    finally:
        await sink.close()
    event = await agents.get()
    assert event is not None and event["type"] == "message.created" and event["channel"] == "sms"
    assert event["preview"] == "Where is my parcel?" and event["conversation_id"]
    assert await bus.listeners(INBOX_TOPIC) == 1
    await agents.close()


async def test_delivery_reports_are_announced_only_when_they_match(ctx: JobContext, jobs: JobDriver) -> None:
    bus = InProcessBus()
    sink = PublishingSink(StoreSink(ctx.store, ctx.blobs, ctx.settings), bus)
    agents = await bus.subscribe(INBOX_TOPIC)
    try:
        outcome = await sink.ingest_with_outcome(inbound(ChannelName.SMS, external_id="SM2"))
        assert outcome is not None
        await agents.get()
        reply = await do_reply(ctx.store, conversation_id=outcome.conversation_id, agent_id=None, text="Soon")
        await jobs.drain()
        await sink.delivery_update(DeliveryUpdate(ChannelName.SMS, DeliveryStatus.DELIVERED, external_id="nope"))
        await sink.delivery_update(
            DeliveryUpdate(ChannelName.SMS, DeliveryStatus.DELIVERED, external_id=f"sms-out-{reply.message_id}")
        )
    finally:
        await sink.close()
    event = await agents.get()
    assert event is not None and event["type"] == "delivery" and event["message_id"] == reply.message_id
    await agents.close()

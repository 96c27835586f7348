"""The Redis pub/sub bus: every web and worker process hears every event, whichever process published it.

One pub/sub connection per process carries all of its topics, however many visitors are connected: a Redis
connection per websocket would not scale to thousands of visitors.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from typing import Any

import redis.asyncio as aioredis

from inbox.realtime.bus import Event, Subscription

log = logging.getLogger("hub.realtime")


class RedisBus:
    def __init__(self, url: str) -> None:
        self._client: aioredis.Redis = aioredis.Redis.from_url(url)
        self._pubsub: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._topics: defaultdict[str, set[Subscription]] = defaultdict(set)
        self._confirmed: dict[str, asyncio.Future[None]] = {}
        self._lock = asyncio.Lock()

    async def publish(self, topic: str, event: Event) -> None:
        await self._client.publish(topic, json.dumps(dict(event), default=str))

    async def subscribe(self, topic: str) -> Subscription:
        subscription = Subscription(topic, on_close=self._forget)
        async with self._lock:
            first = topic not in self._topics
            self._topics[topic].add(subscription)
            if first:
                if self._pubsub is None:
                    self._pubsub = self._client.pubsub()
                confirmed = self._confirmed[topic] = asyncio.get_running_loop().create_future()
                await self._pubsub.subscribe(topic)
                if self._reader is None:
                    self._reader = asyncio.create_task(self._read(), name="realtime-redis-reader")
            else:
                confirmed = self._confirmed.get(topic) or _done()
        # Redis confirms a SUBSCRIBE only once it is in effect: after that no publish can be missed.
        await asyncio.wait_for(asyncio.shield(confirmed), timeout=10)
        return subscription

    async def _forget(self, subscription: Subscription) -> None:
        async with self._lock:
            listeners = self._topics.get(subscription.topic)
            if listeners is None:
                return
            listeners.discard(subscription)
            if not listeners:
                del self._topics[subscription.topic]
                self._confirmed.pop(subscription.topic, None)
                if self._pubsub is not None:
                    await self._pubsub.unsubscribe(subscription.topic)

    async def _read(self) -> None:
        while True:
            try:
                message = await self._pubsub.get_message(timeout=1.0)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("realtime: reading from Redis failed; listeners are cut off and will resume")
                await self._drop_everyone()
                return
            if message is None:
                continue
            topic = _text(message.get("channel"))
            kind = message.get("type")
            if kind == "subscribe":
                future = self._confirmed.get(topic)
                if future is not None and not future.done():
                    future.set_result(None)
            elif kind == "message":
                try:
                    event = json.loads(message["data"])
                except (TypeError, ValueError):
                    continue
                for subscription in list(self._topics.get(topic, ())):
                    subscription.deliver(event)

    async def _drop_everyone(self) -> None:
        # Ending the subscriptions makes every socket close; their clients reconnect and resync from the store.
        async with self._lock:
            everyone = [s for listeners in self._topics.values() for s in listeners]
            self._topics.clear()
            self._confirmed.clear()
            pubsub, self._pubsub, self._reader = self._pubsub, None, None
        for subscription in everyone:
            subscription.deliver_end()
        if pubsub is not None:
            await pubsub.aclose()

    async def listeners(self, topic: str) -> int:
        counts = await self._client.pubsub_numsub(topic)
        return int(counts[0][1]) if counts else 0

    async def aclose(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
            self._reader = None
        for listeners in list(self._topics.values()):
            for subscription in list(listeners):
                subscription.deliver_end()
        self._topics.clear()
        if self._pubsub is not None:
            await self._pubsub.aclose()
            self._pubsub = None
        await self._client.aclose()


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _done() -> asyncio.Future[None]:
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    future.set_result(None)
    return future

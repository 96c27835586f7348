"""The realtime bus a test should use: the backend's own (in-process on SQLite, Redis on PostgreSQL), with its
topics put in a namespace of the test's own, since every suite running on the machine shares one Redis server
and Redis pub/sub channels are global."""

from __future__ import annotations

import uuid

from inbox.realtime import Bus, Event, Subscription, build_bus
from inbox.settings import Settings


class NamespacedBus:
    def __init__(self, inner: Bus, namespace: str) -> None:
        self.inner = inner
        self.namespace = namespace

    async def publish(self, topic: str, event: Event) -> None:
        await self.inner.publish(self.namespace + topic, event)

    async def subscribe(self, topic: str) -> Subscription:
        return await self.inner.subscribe(self.namespace + topic)

    async def listeners(self, topic: str) -> int:
        return await self.inner.listeners(self.namespace + topic)

    async def aclose(self) -> None:
        await self.inner.aclose()


def backend_bus(settings: Settings) -> NamespacedBus:
    return NamespacedBus(build_bus(settings), f"test-{uuid.uuid4().hex[:10]}:")

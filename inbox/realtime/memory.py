"""The in-process bus: enough when one process serves the web app and runs the jobs (the embedded setup)."""

from __future__ import annotations

from collections import defaultdict

from inbox.realtime.bus import Event, Subscription


class InProcessBus:
    def __init__(self) -> None:
        self._topics: defaultdict[str, set[Subscription]] = defaultdict(set)

    async def publish(self, topic: str, event: Event) -> None:
        for subscription in list(self._topics.get(topic, ())):
            subscription.deliver(event)

    async def subscribe(self, topic: str) -> Subscription:
        subscription = Subscription(topic, on_close=self._forget)
        self._topics[topic].add(subscription)
        return subscription

    async def _forget(self, subscription: Subscription) -> None:
        listeners = self._topics.get(subscription.topic)
        if listeners is not None:
            listeners.discard(subscription)
            if not listeners:
                del self._topics[subscription.topic]

    async def listeners(self, topic: str) -> int:
        return len(self._topics.get(topic, ()))

    async def aclose(self) -> None:
        for listeners in list(self._topics.values()):
            for subscription in list(listeners):
                await subscription.close()
        self._topics.clear()

"""The bus interface and the choice of implementation for this process."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, Protocol

from inbox.settings import Settings

Event = Mapping[str, Any]

# A listener that falls this far behind is cut off rather than allowed to hold memory without bound.
QUEUE_LIMIT = 1000


class Subscription:
    """One listener's queue of events on one topic; ``close`` (or the bus) ends it."""

    def __init__(self, topic: str, on_close: Any = None) -> None:
        self.topic = topic
        self._queue: asyncio.Queue[Event | None] = asyncio.Queue(QUEUE_LIMIT)
        self._on_close = on_close
        self.closed = False
        self.overflowed = False

    def deliver(self, event: Event) -> None:
        if self.closed:
            return
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            # The reader will resynchronise from the store when it reconnects; it must not block the others.
            self.overflowed = True
            self._end()

    async def get(self) -> Event | None:
        """The next event, or None once the subscription has ended."""
        if self.closed and self._queue.empty():
            return None
        return await self._queue.get()

    def ready(self, limit: int) -> list[Event]:
        """Up to ``limit`` events already queued, without waiting: a reader that fell behind takes them together.
        The end of the subscription is left for ``get`` to report."""
        events: list[Event] = []
        while len(events) < limit:
            try:
                event = self._queue.get_nowait()
            except asyncio.QueueEmpty:
                break
            if event is None:
                # Only the end follows the end; ``get`` now reports it, the queue being closed and empty.
                break
            events.append(event)
        return events

    def deliver_end(self) -> None:
        """End the subscription from the bus's side (shutdown, lost connection)."""
        self._end()

    def _end(self) -> None:
        if not self.closed:
            self.closed = True
            while True:
                try:
                    self._queue.put_nowait(None)
                    break
                except asyncio.QueueFull:
                    self._queue.get_nowait()

    async def close(self) -> None:
        self._end()
        if self._on_close is not None:
            callback, self._on_close = self._on_close, None
            await callback(self)


class Bus(Protocol):
    async def publish(self, topic: str, event: Event) -> None: ...

    async def subscribe(self, topic: str) -> Subscription:
        """Listen on ``topic``; events published after this returns are delivered."""
        ...

    async def listeners(self, topic: str) -> int:
        """Whether anyone hears ``topic`` now: 0 when nobody does, else a positive count (of subscriptions
        in-process, of listening processes over Redis)."""
        ...

    async def aclose(self) -> None: ...


def build_bus(settings: Settings) -> Bus:
    from inbox.realtime.memory import InProcessBus
    from inbox.realtime.redis_bus import RedisBus

    if settings.jobs.redis_url:
        return RedisBus(settings.jobs.redis_url)
    return InProcessBus()


_PROCESS_BUSES: dict[str, Bus] = {}


def process_bus(settings: Settings) -> Bus:
    """The one bus of this process for these settings: the web routes and the channel adapter must share it,
    or an in-process reply would never reach the visitor's socket."""
    key = settings.jobs.redis_url or "memory"
    bus = _PROCESS_BUSES.get(key)
    if bus is None:
        bus = _PROCESS_BUSES[key] = build_bus(settings)
    return bus

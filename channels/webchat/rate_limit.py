"""Token buckets per visitor and per address, so one flooding browser cannot drown the agents or the store."""

from __future__ import annotations

import time
from collections.abc import Callable

from channels.webchat.config import RateLimit

# Buckets untouched this long are full again anyway; forgetting them bounds memory.
IDLE_SECONDS = 600.0


class RateLimiter:
    def __init__(self, limit: RateLimit, clock: Callable[[], float] = time.monotonic) -> None:
        self._limit = limit
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last refill)
        self._last_sweep = clock()

    def retry_after(self, key: str) -> float:
        """Take one token for ``key``: 0.0 when allowed, else the seconds until one will be available."""
        now = self._clock()
        self._sweep(now)
        tokens, last = self._buckets.get(key, (float(self._limit.burst), now))
        tokens = min(float(self._limit.burst), tokens + (now - last) * self._limit.per_second)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1.0 - tokens) / self._limit.per_second

    def _sweep(self, now: float) -> None:
        if now - self._last_sweep < IDLE_SECONDS:
            return
        self._last_sweep = now
        stale = [key for key, (_, last) in self._buckets.items() if now - last > IDLE_SECONDS]
        for key in stale:
            del self._buckets[key]

"""Token buckets per visitor and per address, so one flooding browser cannot drown the agents or the store.

In one process the buckets live in memory. With several web processes behind a load balancer a visitor's
sockets (and an address's many visitors) land on different processes, so each would grant the whole burst: the
buckets then live in Redis, taken and refilled in one atomic script on Redis's own clock, and every process
draws on the same ones.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

from channels.webchat.config import RateLimit

log = logging.getLogger("hub.webchat")

# Buckets untouched this long are full again anyway; forgetting them bounds memory.
IDLE_SECONDS = 600.0


class Limiter(Protocol):
    async def take(self, key: str) -> float:
        """Take one token for ``key``: 0.0 when allowed, else the seconds until one will be available."""
        ...


class RateLimiter:
    def __init__(self, limit: RateLimit, clock: Callable[[], float] = time.monotonic) -> None:
        self._limit = limit
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last refill)
        self._last_sweep = clock()

    async def take(self, key: str) -> float:
        return self.retry_after(key)

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


# KEYS[1]: the bucket; ARGV: burst, refill per second. Returns the wait as text (Lua numbers would be truncated to
# integers on the way out). The bucket expires once it would be full again, so idle keys cost Redis nothing.
TAKE_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local burst = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil((burst - tokens) / rate) + 1)
return tostring(wait)
"""


class RedisRateLimiter:
    """The same buckets shared by every process through Redis. If Redis cannot be reached the process falls back
    to its own buckets: limits then hold per process, and chatting goes on."""

    def __init__(self, client: Any, limit: RateLimit, prefix: str) -> None:
        # ``client``: a ``redis.asyncio.Redis``; typed loosely to keep the channel free of its stubs.
        self._client = client
        self._limit = limit
        self._prefix = prefix
        self._script = client.register_script(TAKE_SCRIPT)
        self._fallback = RateLimiter(limit)

    async def take(self, key: str) -> float:
        try:
            wait = await self._script(keys=[self._prefix + key], args=[self._limit.burst, self._limit.per_second])
        except Exception as error:
            log.warning("shared rate limits unavailable, limiting in this process only: %s", error)
            return self._fallback.retry_after(key)
        return float(wait.decode() if isinstance(wait, bytes) else wait)

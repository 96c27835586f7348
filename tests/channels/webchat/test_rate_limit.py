"""Token buckets: a burst is allowed, then one action per refill interval, separately per key; in Redis, one
bucket for every process."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio as aioredis

from channels.webchat.config import RateLimit
from channels.webchat.rate_limit import RateLimiter, RedisRateLimiter
from tests.support import backends
from tests.support.ports import free_port


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_a_wait_that_is_reported() -> None:
    clock = Clock()
    limiter = RateLimiter(RateLimit(burst=3, per_second=0.5), clock)
    assert [limiter.retry_after("v1") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.retry_after("v1") == 2.0
    clock.now += 2.0
    assert limiter.retry_after("v1") == 0.0


def test_keys_are_limited_separately() -> None:
    limiter = RateLimiter(RateLimit(burst=1, per_second=0.1), Clock())
    assert limiter.retry_after("v1") == 0.0
    assert limiter.retry_after("v1") > 0
    assert limiter.retry_after("v2") == 0.0


def test_a_quiet_key_refills_only_up_to_the_burst() -> None:
    clock = Clock()
    limiter = RateLimiter(RateLimit(burst=2, per_second=1.0), clock)
    limiter.retry_after("v1")
    clock.now += 3600
    assert [limiter.retry_after("v1") for _ in range(3)][-1] > 0


async def _redis_or_skip() -> Any:
    client = aioredis.Redis.from_url(backends.REDIS_URL)
    try:
        await client.ping()
    except Exception as error:
        await client.aclose()
        if backends.uses_postgres():
            pytest.fail(f"Redis is required on this backend: {error}")
        pytest.skip(f"Redis is not reachable: {error}")
    return client


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    made = f"hub:test:{uuid.uuid4().hex[:10]}:rate:"
    yield made
    client = aioredis.Redis.from_url(backends.REDIS_URL)
    try:
        keys = [key async for key in client.scan_iter(match=f"{made}*")]
        if keys:
            await client.delete(*keys)
    except Exception:
        pass
    finally:
        await client.aclose()


async def test_processes_sharing_redis_share_one_bucket(prefix: str) -> None:
    # Two clients stand for two web processes: the visitor's burst is granted once between them, not once each.
    first, second = await _redis_or_skip(), await _redis_or_skip()
    limit = RateLimit(burst=3, per_second=0.5)
    here, there = RedisRateLimiter(first, limit, prefix), RedisRateLimiter(second, limit, prefix)
    granted = [await here.take("v1"), await there.take("v1"), await here.take("v1")]
    assert granted == [0.0, 0.0, 0.0]
    wait = await there.take("v1")
    # One token comes back every two seconds; a few milliseconds have passed since the burst was taken.
    assert 1.5 < wait <= 2.0
    assert await here.take("v2") == 0.0
    await first.aclose()
    await second.aclose()


async def test_without_redis_each_process_still_limits(prefix: str) -> None:
    unreachable = aioredis.Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=1)
    limiter = RedisRateLimiter(unreachable, RateLimit(burst=2, per_second=0.1), prefix)
    assert [await limiter.take("v1") for _ in range(2)] == [0.0, 0.0]
    assert await limiter.take("v1") > 0
    await unreachable.aclose()

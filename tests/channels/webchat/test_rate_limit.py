"""Token buckets: a burst is allowed, then one action per refill interval, separately per key."""

from __future__ import annotations

from channels.webchat.config import RateLimit
from channels.webchat.rate_limit import RateLimiter


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

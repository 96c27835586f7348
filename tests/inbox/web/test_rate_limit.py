from __future__ import annotations

from inbox.web.rate_limit import LoginLimiter, LoginLimits
from tests.support.web import FakeClock


def test_an_account_is_held_after_its_limit_until_the_window_passes() -> None:
    clock = FakeClock()
    limiter = LoginLimiter(LoginLimits(per_account=3, per_address=100, window_seconds=60), clock)
    for _ in range(3):
        assert limiter.retry_after("a@x", "10.0.0.1") is None
        limiter.failed("a@x", "10.0.0.1")
    assert limiter.retry_after("a@x", "10.0.0.2") == 60
    assert limiter.retry_after("b@x", "10.0.0.1") is None
    clock.now += 30
    assert limiter.retry_after("a@x", "10.0.0.1") == 30
    clock.now += 30
    assert limiter.retry_after("a@x", "10.0.0.1") is None


def test_an_address_is_held_whichever_accounts_it_tries() -> None:
    clock = FakeClock()
    limiter = LoginLimiter(LoginLimits(per_account=100, per_address=2, window_seconds=60), clock)
    limiter.failed("a@x", "10.0.0.1")
    limiter.failed("b@x", "10.0.0.1")
    assert limiter.retry_after("c@x", "10.0.0.1") == 60
    assert limiter.retry_after("c@x", "10.0.0.9") is None


def test_success_forgives_the_accounts_earlier_mistakes() -> None:
    limiter = LoginLimiter(LoginLimits(per_account=2, per_address=100, window_seconds=60), FakeClock())
    limiter.failed("a@x", "10.0.0.1")
    limiter.succeeded("a@x")
    limiter.failed("a@x", "10.0.0.1")
    assert limiter.retry_after("a@x", "10.0.0.1") is None

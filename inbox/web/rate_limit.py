"""Login attempts limited per account and per client address, so passwords cannot be guessed at speed.

Failures are counted in a sliding window held in this process's memory: with several web processes each keeps
its own count, which still bounds guessing to a small multiple of the limit.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LoginLimits:
    per_account: int = 5
    per_address: int = 20
    window_seconds: float = 15 * 60


class LoginLimiter:
    def __init__(self, limits: LoginLimits = LoginLimits(), clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self._accounts: dict[str, deque[float]] = {}
        self._addresses: dict[str, deque[float]] = {}

    def _recent(self, book: dict[str, deque[float]], key: str) -> deque[float]:
        attempts = book.get(key)
        if attempts is None:
            return deque()
        horizon = self.clock() - self.limits.window_seconds
        while attempts and attempts[0] <= horizon:
            attempts.popleft()
        if not attempts:
            del book[key]
        return attempts

    def retry_after(self, account: str, address: str) -> float | None:
        """Seconds until another attempt is allowed, or None when one is allowed now."""
        waits = []
        for book, key, limit in (
            (self._accounts, account, self.limits.per_account),
            (self._addresses, address, self.limits.per_address),
        ):
            attempts = self._recent(book, key)
            if len(attempts) >= limit:
                waits.append(attempts[0] + self.limits.window_seconds - self.clock())
        return max(waits) if waits else None

    def failed(self, account: str, address: str) -> None:
        now = self.clock()
        self._accounts.setdefault(account, deque()).append(now)
        self._addresses.setdefault(address, deque()).append(now)

    def succeeded(self, account: str) -> None:
        # The right password proves the person; earlier typos should not lock them out later.
        self._accounts.pop(account, None)

"""One retry policy for both runners: exponential back-off with jitter, and a limit."""

from __future__ import annotations

import random
from dataclasses import dataclass

from inbox.settings import JobsSection


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int
    base_seconds: float
    max_seconds: float

    @classmethod
    def from_settings(cls, jobs: JobsSection) -> RetryPolicy:
        return cls(jobs.max_attempts, jobs.backoff_base_seconds, jobs.backoff_max_seconds)

    def delay_after(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        exponential = min(self.max_seconds, self.base_seconds * 2 ** max(0, attempt - 1))
        # Jitter keeps many failed jobs from hammering a recovering server in lock-step.
        spread: float = (rng or random.Random()).uniform(0.8, 1.2)
        return float(min(self.max_seconds, exponential * spread))

    def exhausted(self, attempt: int) -> bool:
        return attempt >= self.max_attempts

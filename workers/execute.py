"""Running one job attempt and classifying what happened, the same way under either runner."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from channels.base import TransientChannelError
from workers.context import JobContext
from workers.jobs import JobSpec

log = logging.getLogger("hub.jobs")


class Verdict(StrEnum):
    DONE = "done"
    RETRY = "retry"
    DEAD = "dead"


@dataclass(frozen=True, slots=True)
class Outcome:
    verdict: Verdict
    error: str | None = None
    retry_in_seconds: float = 0.0


async def execute(
    ctx: JobContext, spec: JobSpec, name: str, key: str, payload: dict[str, Any], attempt: int
) -> Outcome:
    try:
        await spec.run(ctx, payload)
    except TransientChannelError as error:
        reason = error.reason
    except Exception as error:
        # An unexpected failure may be a passing fault (a dropped connection); it is retried like one, and a
        # real defect ends in the dead-letter list with its message instead of looping forever.
        log.exception("job %s (%s) failed on attempt %d", name, key, attempt)
        reason = f"{type(error).__name__}: {error}"
    else:
        return Outcome(Verdict.DONE)
    if ctx.retry.exhausted(attempt):
        if spec.on_exhausted is not None:
            await spec.on_exhausted(ctx, payload, reason)
        return Outcome(Verdict.DEAD, reason)
    delay = ctx.retry.delay_after(attempt)
    log.warning("job %s (%s) attempt %d failed: %s; retrying in %.1fs", name, key, attempt, reason, delay)
    return Outcome(Verdict.RETRY, reason, delay)

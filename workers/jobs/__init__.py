"""Job functions by name. Each is thin: load, call an action or a channel, record the result.

Every job may run more than once (a crash after the work and before the acknowledgement), so each checks state
before acting.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from workers.context import JobContext

JobFunction = Callable[[JobContext, dict[str, Any]], Awaitable[None]]
ExhaustedHook = Callable[[JobContext, dict[str, Any], str], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class JobSpec:
    run: JobFunction
    # Called once when the job has failed for good, so the thing it was for is marked with the reason.
    on_exhausted: ExhaustedHook | None = None


def job_table() -> dict[str, JobSpec]:
    from workers.jobs import (
        callback,
        campaign_send,
        campaign_start,
        campaign_sync,
        campaign_test_send,
        drain,
        media,
        purge,
        recompute_values,
        route,
        send,
        snooze,
        webhook_delivery,
    )
    from workers.jobs.offer_expiry import run as expire_offer
    from workers.jobs.presence_sweep import run as sweep_presence
    from workers.jobs.survey import run as send_survey

    return {
        "send": JobSpec(send.run, send.on_exhausted),
        "survey": JobSpec(send_survey),
        "route": JobSpec(route.run),
        "drain": JobSpec(drain.run),
        "offer_expiry": JobSpec(expire_offer),
        "recompute_values": JobSpec(recompute_values.run),
        "media": JobSpec(media.run, media.on_exhausted),
        "callback": JobSpec(callback.run, callback.on_exhausted),
        "purge": JobSpec(purge.run),
        "campaign_start": JobSpec(campaign_start.run),
        "campaign_send": JobSpec(campaign_send.run),
        "campaign_sync": JobSpec(campaign_sync.run),
        "campaign_test_send": JobSpec(campaign_test_send.run),
        "presence_sweep": JobSpec(sweep_presence),
        "wake_snoozed": JobSpec(snooze.run),
        "webhook_event": JobSpec(webhook_delivery.fan_out),
        "webhook_delivery": JobSpec(webhook_delivery.deliver, webhook_delivery.on_exhausted),
        "webhook_log_purge": JobSpec(webhook_delivery.purge_log),
    }

"""Draining the waiting queue: queued when capacity frees, and periodically in case a trigger was missed."""

from __future__ import annotations

import logging
from typing import Any

from inbox.actions.drain import do_drain_queue
from router import RouterPolicy
from workers.context import JobContext

log = logging.getLogger("hub.drain")


async def run(ctx: JobContext, payload: dict[str, Any]) -> None:
    policy: RouterPolicy = ctx.extras.get("router_policy") or ctx.settings.routing.policy()
    outcome = await do_drain_queue(ctx.store, policy)
    log.info(
        "drain (%s): %d placed (%d of them offered) in %d batches",
        payload.get("reason", "scheduled"),
        outcome.assigned,
        outcome.offered,
        outcome.batches,
    )

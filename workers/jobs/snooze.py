"""The periodic job that reopens snoozed conversations whose time has come (see ``inbox.actions.snooze``)."""

from __future__ import annotations

import logging
from typing import Any

from inbox.actions.snooze import do_wake_snoozed
from workers.context import JobContext

log = logging.getLogger("hub.jobs.snooze")


async def run(ctx: JobContext, payload: dict[str, Any]) -> None:
    del payload
    woken = await do_wake_snoozed(ctx.store)
    if woken:
        log.info("reopened %d snoozed conversations", woken)

"""Destroying what outlived its retention period; safe to run twice, the second run finds nothing."""

from __future__ import annotations

import logging
from typing import Any

from inbox.actions.purge import do_purge
from workers.context import JobContext

log = logging.getLogger("hub.purge")


async def run(ctx: JobContext, payload: dict[str, Any]) -> None:
    report = await do_purge(ctx.store, ctx.blobs, ctx.settings, dry_run=bool(payload.get("dry_run")))
    # Counts only: nothing about any customer goes to the log.
    for kind, purged in report.kinds.items():
        if purged.rows or purged.files:
            log.info("purge %s: %d rows, %d files", kind, purged.rows, purged.files)

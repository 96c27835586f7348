"""Periodic: carry delivery reports, bounces and replies over to campaign recipients."""

from __future__ import annotations

from typing import Any

from inbox.actions.campaign_sync import do_sync_recipient_statuses
from workers.context import JobContext


async def run(ctx: JobContext, payload: dict[str, Any]) -> None:
    campaign_id = payload.get("campaign_id")
    await do_sync_recipient_statuses(ctx.store, int(campaign_id) if campaign_id is not None else None)

"""Starting a campaign (now, or when its scheduled time comes): list its recipients, then start the senders."""

from __future__ import annotations

from typing import Any

from inbox.actions.campaign_control import do_begin_sending, do_mark_materialized
from inbox.actions.campaign_materialize import do_materialize_batch
from workers.context import JobContext


async def run(ctx: JobContext, payload: dict[str, Any]) -> None:
    campaign_id, generation = int(payload["campaign_id"]), int(payload["generation"])
    if not await do_begin_sending(ctx.store, campaign_id, generation):
        return
    # Each batch commits on its own; a rerun after a crash starts over and the unique key skips what exists.
    after: int | None = 0
    while after is not None:
        after = await do_materialize_batch(ctx.store, campaign_id, generation, after)
    await do_mark_materialized(ctx.store, campaign_id, generation)

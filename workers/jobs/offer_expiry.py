"""An offer's time is up: hand the conversation back to the queue unless the agent answered meanwhile.

Queued by ``do_offer`` to run when the offer falls due; running it twice, or after the agent answered, does
nothing.
"""

from __future__ import annotations

from typing import Any

from inbox.actions.offer import do_expire_offer
from workers.context import JobContext


async def run(ctx: JobContext, payload: dict[str, Any]) -> None:
    await do_expire_offer(ctx.store, offer_id=int(payload["offer_id"]))

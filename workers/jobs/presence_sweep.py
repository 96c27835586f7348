"""Agents whose screens went silent become away. Running twice is harmless: the second run finds them away."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from inbox.actions.presence import do_mark_silent_agents_away
from workers.context import JobContext


async def run(ctx: JobContext, payload: dict[str, Any]) -> None:
    del payload
    await do_mark_silent_agents_away(ctx.store, silent_for=timedelta(seconds=ctx.settings.live.away_after_seconds))

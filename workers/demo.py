"""``hub demo``: demo data through the real write paths, then the queued jobs run so it looks lived-in."""

from __future__ import annotations

from inbox.demo import load_demo, store_is_empty
from inbox.settings import Settings
from workers.composition import build_context, close_context
from workers.embedded import EmbeddedRunner


async def load_demo_data(settings: Settings, *, only_if_empty: bool, customers: int = 200) -> dict[str, int] | None:
    ctx = build_context(settings)
    try:
        if only_if_empty and not await store_is_empty(ctx.store):
            return None
        counts = await load_demo(ctx.store, ctx.blobs, settings, customers=customers)
        if not settings.jobs.uses_arq:
            await EmbeddedRunner(ctx).drain()
        return counts
    finally:
        await close_context(ctx)

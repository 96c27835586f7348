from __future__ import annotations

import httpx

from inbox.web.app import create_app
from workers.context import JobContext


async def test_health_reports_a_reachable_store(ctx: JobContext) -> None:
    app = create_app(settings=ctx.settings, store=ctx.store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client:
        response = await client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


async def test_unknown_routes_answer_404(ctx: JobContext) -> None:
    app = create_app(settings=ctx.settings, store=ctx.store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client:
        response = await client.get("/channels/nothing-here")
    assert response.status_code == 404

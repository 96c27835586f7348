"""The web application: channel webhooks mounted from the channel adapters, health, and the agents' pages."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from inbox.settings import Settings
from inbox.store import Store

Hook = Callable[[], Awaitable[None]]


def create_app(
    *,
    settings: Settings,
    store: Store,
    channel_routes: Sequence[BaseRoute] = (),
    on_startup: Sequence[Hook] = (),
    on_shutdown: Sequence[Hook] = (),
) -> Starlette:
    async def health(_request: Request) -> Response:
        # Says only whether the hub can reach its store: safe to expose to a load balancer.
        try:
            async with store.read() as session:
                await session.execute(text("SELECT 1"))
        except Exception as error:
            return JSONResponse({"status": "unavailable", "store": type(error).__name__}, status_code=503)
        return JSONResponse({"status": "ok"})

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        for hook in on_startup:
            await hook()
        try:
            yield
        finally:
            for hook in reversed(on_shutdown):
                await hook()

    # Channel routes carry their full paths (/channels/<name>/…): they are signed over those exact URLs.
    routes: list[BaseRoute] = [Route("/healthz", health, methods=["GET"]), *channel_routes]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.settings = settings
    app.state.store = store
    return app

"""The web application: channel webhooks mounted from the channel adapters, health, and the agents' pages."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from inbox.blobs import BlobStore
from inbox.realtime import Bus
from inbox.settings import Settings
from inbox.store import Store
from inbox.web import api, api_directory, attachments, auth, live, openapi, pages_conversation, pages_inbox
from inbox.web.api_conversation_changes import routes as conversation_change_routes
from inbox.web.api_offers import routes as offer_api_routes
from inbox.web.api_webhooks import routes as webhook_api_routes
from inbox.web.auth_gate import AuthGate
from inbox.web.channel_paths import ChannelPaths
from inbox.web.collaboration_routes import collaboration_routes
from inbox.web.errors import http_error
from inbox.web.pages_campaigns import routes as campaign_routes
from inbox.web.pages_search import routes as search_routes
from inbox.web.pages_supervisor import routes as supervisor_routes
from inbox.web.pages_webhooks import routes as webhook_page_routes
from inbox.web.rate_limit import LoginLimiter
from inbox.web.security_headers import SecurityHeaders
from inbox.web.service_routes import service_recovery_routes
from inbox.web.templating import build_templates
from inbox.web.unsubscribe import routes as unsubscribe_routes

Hook = Callable[[], Awaitable[None]]
STATIC_ROOT = Path(__file__).resolve().parent / "static"
SESSION_COOKIE = "hub_session"
SESSION_SECONDS = 12 * 60 * 60


def _secret_key(settings: Settings) -> str:
    configured = settings.web.secret_key
    if configured is not None and configured.get_secret_value():
        return configured.get_secret_value()
    # Without a configured key every restart signs everyone out, which is safe, just inconvenient.
    return secrets.token_urlsafe(48)


def create_app(
    *,
    settings: Settings,
    store: Store,
    channel_routes: Sequence[BaseRoute] = (),
    on_startup: Sequence[Hook] = (),
    on_shutdown: Sequence[Hook] = (),
    blobs: BlobStore | None = None,
    login_limiter: LoginLimiter | None = None,
    bus: Bus | None = None,
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
            # The live sockets' feed and timers go first: the hooks may close the store they use.
            await app.state.live.aclose()
            for hook in reversed(on_shutdown):
                await hook()

    # Channel routes carry their full paths (/channels/<name>/…): they are signed over those exact URLs.
    routes: list[BaseRoute] = [
        Route("/healthz", health, methods=["GET"]),
        *channel_routes,
        *auth.routes,
        *pages_inbox.routes,
        *search_routes,
        *pages_conversation.routes,
        *unsubscribe_routes,
        *campaign_routes,
        *collaboration_routes,
        *service_recovery_routes,
        *attachments.routes,
        *api.routes,
        *api_directory.routes,
        *conversation_change_routes,
        *offer_api_routes,
        *webhook_api_routes,
        *webhook_page_routes,
        *openapi.routes,
        *live.routes,
        *supervisor_routes,
        Mount("/static", StaticFiles(directory=STATIC_ROOT), name="static"),
    ]
    channel_paths = ChannelPaths(channel_routes)
    middleware = [
        Middleware(SecurityHeaders, channel_paths=channel_paths),
        Middleware(
            SessionMiddleware,
            secret_key=_secret_key(settings),
            session_cookie=SESSION_COOKIE,
            max_age=SESSION_SECONDS,
            same_site="lax",
            https_only=settings.hub.public_url.startswith("https://"),
        ),
        Middleware(AuthGate, store=store, channel_paths=channel_paths),
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={HTTPException: http_error},
    )
    app.state.settings = settings
    app.state.store = store
    # The same folder the job processes use, unless the caller hands its own store.
    app.state.blobs = blobs if blobs is not None else BlobStore(settings.data_dir / "blobs")
    app.state.templates = build_templates()
    app.state.login_limiter = login_limiter or LoginLimiter()
    live.install_live(app, settings, store, bus)
    return app

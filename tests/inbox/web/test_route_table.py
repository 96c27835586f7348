"""Walks every route the app serves: strangers are turned away everywhere but the few open doors, and every form
post is refused without its token."""

from __future__ import annotations

import re

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount, Route, WebSocketRoute

from tests.support.web import CHANNEL_ROUTES, build_app, build_world, client_for, sign_in
from workers.context import JobContext

OPEN = {"/login", "/healthz"}
# Customers answer surveys through signed links, without an account (tests/inbox/web/test_survey_page.py).
# Unsubscribe links work the same way for campaign recipients (tests/inbox/web/test_unsubscribe.py).
OPEN_BY_SIGNED_LINK = {"/survey/1", "/unsubscribe/1"}
# RFC 8058: a mail provider's one-click unsubscribe is a bare POST; the signed link is its only credential.
NO_FORM_TOKEN = {"/unsubscribe/1"}


def _routes(app: Starlette) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for route in app.routes:
        if route in CHANNEL_ROUTES:
            continue
        if isinstance(route, Mount):
            assert route.path == "/static", f"an unexpected mount {route.path} needs a rule here"
            continue
        if isinstance(route, WebSocketRoute):
            # Walked by test_anonymous_sockets_are_closed_before_they_open.
            continue
        assert isinstance(route, Route), f"an unexpected kind of route: {route!r}"
        path = re.sub(r"\{[^}]+\}", "1", route.path)
        for method in sorted(route.methods or {"GET"}):
            if method != "HEAD":
                found.append((method, path))
    return found


async def _call(client: httpx.AsyncClient, method: str, path: str, **kwargs: object) -> httpx.Response:
    return await client.request(method, path, **kwargs)  # type: ignore[arg-type]


async def test_anonymous_requests_are_turned_away_on_every_route(ctx: JobContext) -> None:
    app = build_app(ctx)
    routes = _routes(app)
    assert ("GET", "/api/v1/conversations") in routes and ("POST", "/conversations/1/reply") in routes
    checked = 0
    async with client_for(app) as client:
        for method, path in routes:
            if path in OPEN or path in OPEN_BY_SIGNED_LINK:
                continue
            response = await _call(client, method, path)
            if path.startswith("/api/"):
                assert response.status_code == 401, (method, path)
                assert response.headers["www-authenticate"] == "Bearer"
            else:
                assert response.status_code == 303, (method, path)
                assert response.headers["location"].startswith("/login"), (method, path)
            checked += 1
        assert (
            await client.get("/api/v1/conversations", headers={"Authorization": "Bearer hub_guess"})
        ).status_code == 401
        assert (await client.get("/static/hub.css")).status_code == 200
        assert (await client.get("/login")).status_code == 200
        assert (await client.get("/healthz")).status_code == 200
        assert (await client.post("/channels/test/inbound")).status_code == 200
        assert (await client.get("/test-widget.js")).status_code == 200
        assert (await client.get("/channels/nothing-here")).status_code == 404
    assert checked >= 12


async def test_every_form_post_needs_the_session_token(ctx: JobContext) -> None:
    world = await build_world(ctx)
    app = build_app(ctx)
    async with client_for(app) as client:
        await sign_in(client, world.emails["root"])
        for method, path in _routes(app):
            if method != "POST" or path.startswith("/api/") or path in NO_FORM_TOKEN:
                continue
            path = path.replace("/1/", f"/{world.conversations['chen_own']}/")
            without = await _call(client, method, path, data={"text": "hello", "status": "resolved"})
            forged = await _call(client, method, path, data={"csrf_token": "forged", "status": "resolved"})
            assert without.status_code == forged.status_code == 403, path


async def test_the_api_ignores_the_session_cookie(ctx: JobContext) -> None:
    world = await build_world(ctx)
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, world.emails["root"])
        assert (await client.get("/")).status_code == 200
        assert (await client.get("/api/v1/conversations")).status_code == 401


async def test_channel_routes_choose_their_own_headers(ctx: JobContext) -> None:
    async with client_for(build_app(ctx)) as client:
        widget = await client.get("/test-widget.js")
        login = await client.get("/login")
    assert "x-frame-options" not in widget.headers
    assert (
        login.headers["x-frame-options"] == "DENY"
        and "frame-ancestors 'none'" in login.headers["content-security-policy"]
    )


async def _open_anonymously(app: Starlette, path: str) -> dict[str, object]:
    """What the app answers a websocket handshake with no session: the first message it sends."""
    scope = {
        "type": "websocket",
        "asgi": {"version": "3.0"},
        "scheme": "ws",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"hub"), (b"origin", b"http://hub")],
        "server": ("hub", 80),
        "client": ("127.0.0.1", 1),
        "subprotocols": [],
        "state": {},
    }
    incoming: list[dict[str, object]] = [{"type": "websocket.connect"}]
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return incoming.pop(0) if incoming else {"type": "websocket.disconnect", "code": 1000}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    await app(scope, receive, send)  # type: ignore[arg-type]
    return sent[0]


async def test_anonymous_sockets_are_closed_before_they_open(ctx: JobContext) -> None:
    app = build_app(ctx)
    sockets = [route.path for route in app.routes if isinstance(route, WebSocketRoute) and route not in CHANNEL_ROUTES]
    assert "/inbox/live" in sockets
    for path in sockets:
        assert await _open_anonymously(app, path) == {"type": "websocket.close", "code": 4401}, path

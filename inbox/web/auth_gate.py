"""Nobody reaches a page or the API without signing in: one gate in front of every route, default deny.

Pages identify the agent by the signed session cookie and send strangers to /login; the API takes only bearer
tokens (never the cookie, so a browser cannot be tricked into calling it) and answers strangers 401. Paths that
must stay open are listed here and nowhere else.
"""

from __future__ import annotations

from urllib.parse import quote

from sqlalchemy import select
from starlette.datastructures import Headers
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from inbox.access import Viewer, load_viewer
from inbox.actions.api_tokens import token_digest
from inbox.models import Agent, ApiToken
from inbox.passwords import password_version
from inbox.store import Store
from inbox.web.channel_paths import ChannelPaths

OPEN_PATHS = frozenset({"/login", "/healthz"})
# Static files hold nothing private. Channel routes are open wherever they are mounted (/channels/…, and e.g.
# the chat widget's /widget.js): they verify each request themselves (see ``channel_paths``). Survey pages are
# reached by customers through signed links; the signature is checked by the page itself.
# Unsubscribe links likewise carry their own signed token (RFC 8058 one-click posts come without any session).
OPEN_PREFIXES = ("/static/", "/survey/", "/unsubscribe/")
API_PREFIX = "/api/"
SESSION_AGENT = "agent_id"
SESSION_PASSWORD_VERSION = "pwv"


def is_open(path: str) -> bool:
    return path in OPEN_PATHS or path.startswith(OPEN_PREFIXES)


class AuthGate:
    def __init__(self, app: ASGIApp, store: Store, channel_paths: ChannelPaths) -> None:
        self.app = app
        self.store = store
        self.channel_paths = channel_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        if is_open(scope["path"]) or scope in self.channel_paths:
            await self.app(scope, receive, send)
            return
        is_api = scope["path"].startswith(API_PREFIX)
        viewer = await (self._token_viewer(scope) if is_api else self._session_viewer(scope))
        if viewer is None:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 4401})
                return
            await self._refuse(scope, is_api)(scope, receive, send)
            return
        scope.setdefault("state", {})["viewer"] = viewer
        await self.app(scope, receive, send)

    @staticmethod
    def _refuse(scope: Scope, is_api: bool) -> Response:
        if is_api:
            return JSONResponse(
                {"error": "unauthorized", "detail": "send an API token as 'Authorization: Bearer <token>'"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        # After sign-in a GET is repeated; a form post cannot be, so its sender starts from the inbox.
        target = "/"
        if scope["method"] == "GET":
            target = scope["path"]
            if scope.get("query_string"):
                target += "?" + scope["query_string"].decode("latin-1")
        return RedirectResponse("/login?next=" + quote(target, safe=""), status_code=303)

    async def _session_viewer(self, scope: Scope) -> Viewer | None:
        session = scope.get("session") or {}
        agent_id = session.get(SESSION_AGENT)
        if not isinstance(agent_id, int):
            return None
        async with self.store.read() as db:
            stored_hash = (
                await db.execute(select(Agent.password_hash).where(Agent.id == agent_id))
            ).scalar_one_or_none()
            # A changed password ends every session made with the old one.
            viewer = None
            if stored_hash is not None and password_version(stored_hash) == session.get(SESSION_PASSWORD_VERSION):
                viewer = await load_viewer(db, agent_id)
        if viewer is None:
            # Forget the dead session, so the cookie stops claiming a sign-in.
            session.clear()
        return viewer

    async def _token_viewer(self, scope: Scope) -> Viewer | None:
        scheme, _, token = Headers(scope=scope).get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        async with self.store.read() as db:
            agent_id = (
                await db.execute(
                    select(ApiToken.agent_id).where(
                        ApiToken.token_sha256 == token_digest(token.strip()), ApiToken.revoked_at.is_(None)
                    )
                )
            ).scalar_one_or_none()
            return await load_viewer(db, agent_id) if agent_id is not None else None

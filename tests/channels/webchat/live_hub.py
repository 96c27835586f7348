"""The hub's real web app with the chat routes, served by uvicorn on a free loopback port, for tests that
speak to it as browsers do (over real sockets), plus a second server standing for the site embedding the widget.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import uvicorn
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from channels.webchat import identity_hash
from inbox.realtime import Bus, PublishingSink, build_bus
from inbox.settings import Settings, WebchatInbox, WebchatSection
from inbox.sink import StoreSink
from inbox.web.app import create_app
from tests.support.ports import free_port
from workers.context import JobContext
from workers.webchat_setup import build_webchat_routes, webchat_channel, webchat_config

INBOX = "site"
IDENTITY_SECRET = "site-identity-secret-5e4d"
SIGNING_KEY = "visitor-token-signing-key-for-tests-7a1b"


def with_webchat(settings: Settings, origin: str, *, prechat: bool = False, **section: object) -> Settings:
    webchat = WebchatSection(
        secret_key=SecretStr(SIGNING_KEY),
        identity_secrets={INBOX: SecretStr(IDENTITY_SECRET)},
        inboxes=[WebchatInbox(key=INBOX, name="Test shop", allowed_origins=[origin], prechat_form=prechat)],
        **section,
    )
    return settings.model_copy(update={"webchat": webchat})


def signed_user(user_id: str) -> tuple[str, str]:
    return user_id, identity_hash(IDENTITY_SECRET, user_id)


class Uvicorn:
    """One uvicorn server in this event loop; stop and start again to play a restart."""

    def __init__(self, app: Starlette, port: int) -> None:
        self.app = app
        self.port = port
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._server is None or self._task is None:
            return
        self._server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._server = self._task = None


@dataclass
class LiveHub:
    settings: Settings
    bus: Bus
    sink: PublishingSink
    server: Uvicorn
    page_origin: str
    page: Uvicorn | None = None
    page_html: dict[str, str] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    @property
    def socket_url(self) -> str:
        return f"ws://127.0.0.1:{self.server.port}/channels/webchat/ws?inbox={INBOX}"


def page_app(hub: LiveHub) -> Starlette:
    async def page(request: Request) -> Response:
        html = hub.page_html.get(request.path_params["name"])
        return HTMLResponse(html) if html is not None else Response(status_code=404)

    return Starlette(routes=[Route("/{name}", page)])


@contextlib.asynccontextmanager
async def live_hub(ctx: JobContext, *, prechat: bool = False, **section: object) -> AsyncIterator[LiveHub]:
    page_port = free_port()
    origin = f"http://127.0.0.1:{page_port}"
    settings = with_webchat(ctx.settings, origin, prechat=prechat, **section)
    config = webchat_config(settings)
    assert config is not None
    bus = build_bus(settings)
    # The send job finds the adapter in the context's registry: replies then travel over this very bus.
    ctx.channels.register(webchat_channel(settings, config, bus))
    sink = PublishingSink(StoreSink(ctx.store, ctx.blobs, settings), bus)
    routes = build_webchat_routes(settings, sink, ctx.store, bus)
    app = create_app(settings=settings, store=ctx.store, channel_routes=routes)
    hub = LiveHub(settings, bus, sink, Uvicorn(app, free_port()), origin)
    hub.page = Uvicorn(page_app(hub), page_port)
    await hub.server.start()
    await hub.page.start()
    try:
        yield hub
    finally:
        await hub.page.stop()
        await hub.server.stop()
        await sink.close()
        await bus.aclose()

"""The agents' live socket over a real server: who may open it, what each person hears, heartbeats, typing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import websockets
from websockets.asyncio.client import ClientConnection

from inbox.actions.status import do_set_status
from inbox.realtime import visitor_topic
from inbox.realtime.changes import settled
from inbox.settings import Settings
from inbox.web.app import create_app
from tests.support.buses import NamespacedBus, backend_bus
from tests.support.live_server import serving
from tests.support.web import World, agent_row, build_world, sign_in
from workers.context import JobContext

# Only stops a hung test; nothing here measures speed.
HANG_GUARD = 30.0


@asynccontextmanager
async def _hub(ctx: JobContext, bus: NamespacedBus, settings: Settings | None = None) -> AsyncIterator[str]:
    app = create_app(settings=settings or ctx.settings, store=ctx.store, blobs=ctx.blobs, bus=bus)
    async with serving(app) as base:
        try:
            yield base.removeprefix("http://")
        finally:
            await app.state.live.aclose()


async def _cookie(host: str, world: World, name: str) -> str:
    async with httpx.AsyncClient(base_url=f"http://{host}") as client:
        response = await sign_in(client, world.emails[name])
        assert response.status_code == 303
        return f"hub_session={client.cookies['hub_session']}"


@asynccontextmanager
async def _socket(host: str, cookie: str | None, origin: str | None = None) -> AsyncIterator[ClientConnection]:
    headers = {"Cookie": cookie} if cookie else {}
    async with websockets.connect(
        f"ws://{host}/inbox/live",
        additional_headers=headers,
        origin=origin or f"http://{host}",  # type: ignore[arg-type]
    ) as socket:
        yield socket


async def _next(socket: ClientConnection, kind: str) -> dict[str, Any]:
    async with asyncio.timeout(HANG_GUARD):
        while True:
            event = json.loads(await socket.recv())
            if event["type"] == kind:
                return dict(event)


async def _closed_with(host: str, cookie: str | None, origin: str | None = None) -> int | None:
    try:
        async with _socket(host, cookie, origin) as socket:
            await asyncio.wait_for(socket.recv(), HANG_GUARD)
    except websockets.ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None
    except websockets.InvalidStatus as refused:
        return refused.response.status_code
    return None


@pytest.fixture
async def bus(settings: Settings) -> AsyncIterator[NamespacedBus]:
    made = backend_bus(settings)
    yield made
    await made.aclose()


async def test_strangers_and_other_sites_cannot_open_the_socket(ctx: JobContext, bus: NamespacedBus) -> None:
    world = await build_world(ctx)
    async with _hub(ctx, bus) as host:
        cookie = await _cookie(host, world, "chen")
        assert await _closed_with(host, None) in (4401, 403)
        assert await _closed_with(host, cookie, origin="http://evil.example") in (4403, 403)


async def test_each_person_hears_what_they_may_see_and_their_heartbeat_is_kept(
    ctx: JobContext, bus: NamespacedBus
) -> None:
    world = await build_world(ctx)
    async with _hub(ctx, bus) as host:
        cookies = {name: await _cookie(host, world, name) for name in ("chen", "zhao", "mia")}
        async with (
            _socket(host, cookies["chen"]) as chen,
            _socket(host, cookies["zhao"]) as zhao,
            _socket(host, cookies["mia"]) as mia,
        ):
            hellos = [await _next(socket, "hello") for socket in (chen, zhao, mia)]
            assert [hello["agent_id"] for hello in hellos] == [world.people[n] for n in ("chen", "zhao", "mia")]
            assert (await agent_row(ctx, world.people["chen"])).last_seen_at is not None

            await do_set_status(
                ctx.store, conversation_id=world.conversations["chen_own"], status="resolved", actor_agent_id=None
            )
            await do_set_status(
                ctx.store, conversation_id=world.conversations["billing_own"], status="pending", actor_agent_id=None
            )
            await settled()
            heard_by_chen = await _next(chen, "conversation.status")
            heard_by_zhao = await _next(zhao, "conversation.status")
            assert heard_by_chen["conversation_id"] == world.conversations["chen_own"]
            assert heard_by_zhao["conversation_id"] == world.conversations["billing_own"]

            # A ping is answered, so the page knows the connection is alive.
            await mia.send(json.dumps({"type": "ping"}))
            assert (await _next(mia, "pong"))["type"] == "pong"


async def test_an_agent_typing_in_a_chat_is_relayed_to_the_visitor(ctx: JobContext, bus: NamespacedBus) -> None:
    from channels.base import ChannelName, Identity, IdentityKind, ThreadHints
    from inbox.models import Conversation
    from tests.support.factories import inbound, ingest

    world = await build_world(ctx)
    visitor = Identity(IdentityKind.WEBCHAT, "visitor-7")
    chat = await ingest(
        ctx, inbound(ChannelName.WEBCHAT, external_id="c7", sender=visitor, thread=ThreadHints(session_key="visitor-7"))
    )
    async with ctx.store.write() as session:
        row = await session.get(Conversation, chat.conversation_id)
        assert row is not None
        row.assignee_id = world.people["chen"]
    widget = await bus.subscribe(visitor_topic("visitor-7"))
    async with _hub(ctx, bus) as host:
        cookies = {name: await _cookie(host, world, name) for name in ("chen", "zhao")}
        async with _socket(host, cookies["chen"]) as chen, _socket(host, cookies["zhao"]) as zhao:
            await _next(chen, "hello")
            await _next(zhao, "hello")
            # Zhao cannot see the chat: their typing goes nowhere.
            await zhao.send(json.dumps({"type": "typing", "conversation_id": chat.conversation_id, "on": True}))
            await chen.send(json.dumps({"type": "typing", "conversation_id": chat.conversation_id, "on": True}))
            event = await asyncio.wait_for(widget.get(), HANG_GUARD)
            assert event == {"type": "typing", "who": "agent", "on": True}
            # Leaving the page stops the typing the visitor sees.
        event = await asyncio.wait_for(widget.get(), HANG_GUARD)
        assert event == {"type": "typing", "who": "agent", "on": False}
    await widget.close()


async def test_an_account_switched_off_loses_its_open_socket(ctx: JobContext, bus: NamespacedBus) -> None:
    from inbox.models import Agent
    from inbox.settings import LiveSection

    world = await build_world(ctx)
    quick = ctx.settings.model_copy(update={"live": LiveSection(heartbeat_seconds=5)})
    async with _hub(ctx, bus, quick) as host:
        cookie = await _cookie(host, world, "marcus")
        async with _socket(host, cookie) as marcus:
            await _next(marcus, "hello")
            async with ctx.store.write() as session:
                row = await session.get(Agent, world.people["marcus"])
                assert row is not None
                row.active = False
            # The next heartbeat the server takes (at most one per half interval) finds the account gone.
            await asyncio.sleep(2.6)
            await marcus.send(json.dumps({"type": "ping"}))
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await _next(marcus, "pong")
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401

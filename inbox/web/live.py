"""The agents' live connection: one websocket per open page, carrying the events the agent may see, their
heartbeats (which keep their presence), and their typing (relayed to a chat visitor).

The socket takes the same signed session cookie as the pages (the gate in front of every route checks it) and
accepts only pages of the hub itself: browsers send cookies with websocket handshakes from any site, so without
the Origin check any page an agent visits could listen in.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import Counter
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from inbox.access import Viewer
from inbox.actions.presence import do_mark_silent_agents_away, do_record_heartbeat
from inbox.models import Agent
from inbox.passwords import password_version
from inbox.realtime.agent_feed import AgentFeed, Listener
from inbox.realtime.audience import Audience, audience_of
from inbox.realtime.bus import Bus
from inbox.realtime.lookups import locate_conversation
from inbox.realtime.topics import INBOX_TOPIC, visitor_topic
from inbox.settings import Settings
from inbox.store import Store
from inbox.web import live_offers, live_pages
from inbox.web.auth_gate import SESSION_PASSWORD_VERSION

log = logging.getLogger("hub.live")

CLOSE_SIGNED_OUT = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_FELL_BEHIND = 4408
# Frames an agent's page sends are tiny; anything larger is not ours.
MAX_FRAME_CHARS = 2000


class LiveInbox:
    """The live side of the web app in this process: the feed, and who is connected here."""

    def __init__(self, settings: Settings, store: Store, bus: Bus, *, owns_bus: bool) -> None:
        self.settings = settings
        self.store = store
        self.bus = bus
        self.owns_bus = owns_bus
        self.feed = AgentFeed(store, bus)
        self._sockets: Counter[int] = Counter()
        self._away_checks: dict[int, asyncio.Task[None]] = {}

    @property
    def heartbeat_seconds(self) -> int:
        return self.settings.live.heartbeat_seconds

    def origin_allowed(self, websocket: WebSocket) -> bool:
        origin = websocket.headers.get("origin", "")
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https"):
            return False
        own = {websocket.headers.get("host", ""), urlsplit(self.settings.hub.public_url).netloc}
        return parts.netloc in own or origin.rstrip("/") in {o.rstrip("/") for o in self.settings.live.allowed_origins}

    def connected(self, agent_id: int) -> None:
        self._sockets[agent_id] += 1
        check = self._away_checks.pop(agent_id, None)
        if check is not None:
            check.cancel()

    def disconnected(self, agent_id: int) -> None:
        self._sockets[agent_id] -= 1
        if self._sockets[agent_id] > 0:
            return
        del self._sockets[agent_id]
        # The periodic sweep would catch it too; checking here makes "away" arrive on time, not a sweep later.
        self._away_checks[agent_id] = asyncio.create_task(self._away_if_silent(agent_id))

    async def _away_if_silent(self, agent_id: int) -> None:
        silent_for = self.settings.live.away_after_seconds
        await asyncio.sleep(silent_for + 1)
        self._away_checks.pop(agent_id, None)
        try:
            await do_mark_silent_agents_away(self.store, silent_for=timedelta(seconds=silent_for), agent_ids=[agent_id])
        except Exception:
            log.exception("could not check whether agent %s went silent", agent_id)

    async def aclose(self) -> None:
        for check in self._away_checks.values():
            check.cancel()
        await asyncio.gather(*self._away_checks.values(), return_exceptions=True)
        self._away_checks.clear()
        await self.feed.aclose()
        if self.owns_bus:
            await self.bus.aclose()


class AgentSocket:
    def __init__(self, live: LiveInbox, websocket: WebSocket, viewer: Viewer, audience: Audience) -> None:
        self.live = live
        self.ws = websocket
        self.viewer = viewer
        self.audience = audience
        self.last_beat = 0.0
        self.typing: set[int] = set()

    async def run(self, listener: Listener) -> None:
        await self.beat(force=True)
        async with self.live.store.read() as session:
            presence = await session.get(Agent, self.viewer.agent_id)
        await self.ws.send_json(
            {
                "type": "hello",
                "agent_id": self.viewer.agent_id,
                "presence": presence.presence if presence is not None else "offline",
                "heartbeat_seconds": self.live.heartbeat_seconds,
            }
        )
        forward = asyncio.create_task(self._forward(listener))
        try:
            await self._receive()
        finally:
            forward.cancel()
            await asyncio.gather(forward, return_exceptions=True)
            for conversation_id in list(self.typing):
                await self._typing(conversation_id, False)

    async def beat(self, *, force: bool = False) -> None:
        now = time.monotonic()
        # Frames may come often (typing); the store hears at most one heartbeat every half interval.
        if not force and now - self.last_beat < self.live.heartbeat_seconds / 2:
            return
        self.last_beat = now
        if not await self._still_signed_in():
            # A switched-off account or a changed password ends the sign-in; it ends the open socket too.
            await self.ws.close(code=CLOSE_SIGNED_OUT)
            raise WebSocketDisconnect(CLOSE_SIGNED_OUT)
        await do_record_heartbeat(self.live.store, agent_id=self.viewer.agent_id)

    async def _still_signed_in(self) -> bool:
        async with self.live.store.read() as session:
            agent = await session.get(Agent, self.viewer.agent_id)
        signed_with = (self.ws.scope.get("session") or {}).get(SESSION_PASSWORD_VERSION)
        return agent is not None and agent.active and password_version(agent.password_hash) == signed_with

    async def _forward(self, listener: Listener) -> None:
        while (text := await listener.get()) is not None:
            await self.ws.send_text(text)
        # Too far behind, or the bus went away: the page reconnects and reloads what it shows.
        await self.ws.close(code=CLOSE_FELL_BEHIND)

    async def _receive(self) -> None:
        while True:
            message = await self.ws.receive()
            if message["type"] == "websocket.disconnect":
                raise WebSocketDisconnect(message.get("code", 1000))
            text = message.get("text")
            frame: Any = None
            if isinstance(text, str) and len(text) <= MAX_FRAME_CHARS:
                with contextlib.suppress(ValueError):
                    frame = json.loads(text)
            if not isinstance(frame, dict):
                continue
            await self.beat()
            kind = frame.get("type")
            if kind == "ping":
                await self.ws.send_json({"type": "pong"})
            elif kind == "typing" and isinstance(frame.get("conversation_id"), int):
                await self._typing(frame["conversation_id"], bool(frame.get("on")))

    async def _typing(self, conversation_id: int, on: bool) -> None:
        if on == (conversation_id in self.typing):
            return
        async with self.live.store.read() as session:
            located = await locate_conversation(session, conversation_id)
        # Typing into a conversation one cannot see is not relayed, nor is its existence confirmed.
        if located is None or not self.audience.sees(located.place):
            return
        (self.typing.add if on else self.typing.discard)(conversation_id)
        event = {
            "type": "typing",
            "who": "agent",
            "agent_id": self.viewer.agent_id,
            "name": self.viewer.name,
            "conversation_id": conversation_id,
            "on": on,
        }
        await self.live.bus.publish(INBOX_TOPIC, event)
        if located.visitor:
            # The chat widget shows "agent is typing"; it is told nothing about who.
            await self.live.bus.publish(visitor_topic(located.visitor), {"type": "typing", "who": "agent", "on": on})


async def live_socket(websocket: WebSocket) -> None:
    live: LiveInbox = websocket.app.state.live
    viewer: Viewer = websocket.state.viewer
    if not live.origin_allowed(websocket):
        await websocket.close(code=CLOSE_FORBIDDEN)
        return
    await websocket.accept()
    async with live.store.read() as session:
        audience = await audience_of(session, viewer)
    listener = await live.feed.join(audience)
    live.connected(viewer.agent_id)
    try:
        await AgentSocket(live, websocket, viewer, audience).run(listener)
    except WebSocketDisconnect:
        pass
    finally:
        await live.feed.leave(listener)
        live.disconnected(viewer.agent_id)


routes = [WebSocketRoute("/inbox/live", live_socket), *live_pages.routes, *live_offers.routes]


def install_live(app: Starlette, settings: Settings, store: Store, bus: Bus | None) -> LiveInbox:
    """Give the app its live side. With a bus handed in (``hub serve`` hands the process's own), the changes
    committed through ``store`` in this process are announced on it too. Without one, the sockets listen on the
    process's in-memory bus, or with Redis on a bus of the app's own, and this app announces nothing itself: a
    second app in one process (tests, tools) must not speak for a store it does not own."""
    from inbox.realtime.bus import build_bus, process_bus
    from inbox.realtime.changes import attach_bus

    if bus is not None:
        attach_bus(store, bus)
        live = LiveInbox(settings, store, bus, owns_bus=False)
    elif settings.jobs.redis_url:
        live = LiveInbox(settings, store, build_bus(settings), owns_bus=True)
    else:
        live = LiveInbox(settings, store, process_bus(settings), owns_bus=False)
    app.state.live = live
    return live

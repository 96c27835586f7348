"""A scripted visitor: the widget's protocol spoken by a websocket client, for tests without a browser."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from tests.channels.webchat.live_hub import LiveHub

# A bound on waiting, so a missing event fails the test instead of hanging it.
WAIT_SECONDS = 10.0


class Visitor:
    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.welcome: dict[str, Any] = {}
        self.history: list[dict[str, Any]] = []

    async def send(self, frame: dict[str, Any]) -> None:
        await self.connection.send(json.dumps(frame))

    async def receive(self) -> dict[str, Any]:
        data = await asyncio.wait_for(self.connection.recv(), WAIT_SECONDS)
        event = json.loads(data)
        assert isinstance(event, dict)
        return event

    async def receive_type(self, kind: str) -> dict[str, Any]:
        """The next event of ``kind``, skipping others (pongs, typing, echoes from the bus)."""
        while True:
            event = await self.receive()
            if event.get("type") == kind:
                return event

    async def reply(self) -> dict[str, Any]:
        """The next agent message; the echoes of the visitor's own messages (meant for their other tabs) are
        skipped."""
        while True:
            event = await self.receive_type("message.created")
            if event.get("dir") == "out":
                return event

    async def say(self, cid: str, text: str) -> dict[str, Any]:
        await self.send({"type": "message", "cid": cid, "text": text})
        return await self.receive_type("ack")


@asynccontextmanager
async def visitor(
    hub: LiveHub, *, token: str | None = None, after: int = 0, origin: str | None = None, **hello: Any
) -> AsyncIterator[Visitor]:
    async with connect(hub.socket_url, origin=origin or hub.page_origin) as connection:  # type: ignore[arg-type]
        client = Visitor(connection)
        await client.send({"type": "hello", "token": token, "after": after, **hello})
        client.welcome = await client.receive_type("welcome")
        client.history = (await client.receive_type("history"))["messages"]
        yield client

"""A real HTTP server for outgoing-webhook tests: it records every request and answers as told (a status code per
request, or no answer at all until released), listening on a free local port in the test's own event loop."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import socket
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

HANG = -1


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def document(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


@dataclass
class Receiver:
    # Answers for the coming requests, in order; once used up, every request gets ``default``. HANG holds the
    # request open until the receiver stops.
    answers: list[int] = field(default_factory=list)
    default: int = 200
    requests: list[Received] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    _release: asyncio.Event = field(default_factory=asyncio.Event)
    _server: uvicorn.Server | None = None
    _task: asyncio.Task[None] | None = None
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def _hook(self, request: Request) -> Response:
        self.requests.append(Received({k.lower(): v for k, v in request.headers.items()}, await request.body()))
        self.arrived.set()
        answer = self.answers.pop(0) if self.answers else self.default
        if answer == HANG:
            await self._release.wait()
            answer = 503
        return PlainTextResponse("noted" if answer < 300 else "receiver trouble", status_code=answer)

    async def __aenter__(self) -> Receiver:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        app = Starlette(routes=[Route("/hook", self._hook, methods=["POST"])])
        config = uvicorn.Config(app, log_level="warning", lifespan="off", timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        for _ in range(3000):
            if self._server.started:
                return self
            await asyncio.sleep(0.01)
        raise AssertionError("the webhook receiver did not start")

    async def __aexit__(self, *_exc: object) -> None:
        self._release.set()
        assert self._server is not None and self._task is not None
        self._server.should_exit = True
        await self._task

    async def wait_for(self, count: int, *, rounds: int = 600) -> None:
        for _ in range(rounds):
            if len(self.requests) >= count:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"expected {count} requests, got {len(self.requests)}")


def verify(received: Received, secret: str, *, now: int, tolerance: int = 300) -> bool:
    """A receiver's check, written from the documented scheme alone: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">."""
    parts = dict(item.split("=", 1) for item in received.headers["x-hub-signature"].split(","))
    timestamp = int(parts["t"])
    if abs(now - timestamp) > tolerance:
        return False
    expected = hmac.new(secret.encode(), str(timestamp).encode() + b"." + received.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])

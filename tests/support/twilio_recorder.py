"""A recording proxy in front of the Prism mock of Twilio's API.

Prism checks each request against Twilio's OpenAPI description and answers with the documented example, whose
Message SID is the same every time; real Twilio gives every message (and call) its own SID, so the proxy puts a
fresh one in. It keeps every form it forwarded, which lets a test count what reached "Twilio" even from another process.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

from tests.support.ports import free_port


@dataclass
class TwilioRecorder:
    upstream: str
    url: str = ""
    forms: list[dict[str, str]] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)
    session: aiohttp.ClientSession | None = None
    _serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def handle(self, request: web.Request) -> web.Response:
        form = {key: str(value) for key, value in (await request.post()).items()}
        assert self.session is not None
        async with self.session.request(
            request.method,
            self.upstream + request.path_qs,
            data=form,
            headers={"Authorization": request.headers.get("Authorization", "")},
        ) as answer:
            body = await answer.read()
            status = answer.status
        if status >= 300:
            self.failures.append(status)
            return web.Response(body=body, status=status, content_type="application/json")
        document = json.loads(body)
        if isinstance(document, dict) and "sid" in document:
            prefix = "CA" if request.path.endswith("/Calls.json") else "SM"
            document["sid"] = f"{prefix}{next(self._serial):032x}"
        self.forms.append(form)
        return web.json_response(document, status=status)


@asynccontextmanager
async def twilio_recorder(prism_url: str) -> AsyncIterator[TwilioRecorder]:
    recorder = TwilioRecorder(prism_url, session=aiohttp.ClientSession())
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", recorder.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    recorder.url = f"http://127.0.0.1:{port}"
    try:
        yield recorder
    finally:
        await runner.cleanup()
        assert recorder.session is not None
        await recorder.session.close()

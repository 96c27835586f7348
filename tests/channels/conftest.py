"""Fixtures of the Twilio channel tests: a Prism mock of Twilio's API, a recording sink, signed requests."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from aiohttp import web
from httpx import Response
from starlette.applications import Starlette
from starlette.routing import BaseRoute
from starlette.testclient import TestClient

from channels.twilio_config import MenuOption, TwilioConfig, VoiceConfig
from channels.twilio_signature import SIGNATURE_HEADER, compute_signature
from tests.support.ports import free_port
from tests.support.recording_sink import RecordingSink

PROJECT = Path(__file__).resolve().parents[2]
PRISM = PROJECT / ".tools" / "node_modules" / ".bin" / "prism"
TWILIO_SPEC = PROJECT.parent / "shared" / "twilio" / "twilio_api_v2010.json"
# Prism checks the account SID in the path against the spec's pattern, so it must look like a real one.
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "test-auth-token-0f1e2d3c"
PUBLIC_BASE = "https://hub.example.com"
# Prism needs seconds to load the 2010 spec; this bound only stops a broken install from hanging the run.
PRISM_START_LIMIT_SECONDS = 180


def make_config(api_base_url: str = "https://api.twilio.com", **overrides: object) -> TwilioConfig:
    values: dict[str, object] = {
        "account_sid": ACCOUNT_SID,
        "auth_token": AUTH_TOKEN,
        "public_base_url": PUBLIC_BASE,
        "api_base_url": api_base_url,
        "sms_from": "+14155550100",
        "voice": VoiceConfig(
            caller_id="+14155550100",
            agent_ring_seconds=18,
            queue_name="support",
            hold_music_url="https://hub.example.com/static/hold.mp3",
            voicemail_after_seconds=60,
            menu=(
                MenuOption("1", "sales", {"en": "sales", "zh-CN": "销售"}),
                MenuOption("2", "billing", {"en": "billing", "zh-CN": "账单"}),
            ),
        ),
    }
    values.update(overrides)
    return TwilioConfig(**values)  # type: ignore[arg-type]


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink()


@pytest.fixture
def twilio_config() -> TwilioConfig:
    return make_config()


@pytest.fixture
def config_factory() -> Callable[..., TwilioConfig]:
    """``make_config(api_base_url, **overrides)``: the test account's settings with some fields changed."""
    return make_config


@pytest.fixture
def app_client() -> Callable[[list[BaseRoute]], TestClient]:
    """A test client for an app made of the given routes."""

    def build(routes: list[BaseRoute]) -> TestClient:
        return TestClient(Starlette(routes=routes))

    return build


@pytest.fixture
def post_signed() -> Callable[..., Response]:
    """Post a form to a route the way Twilio would: signed over the public URL with the auth token.

    ``signature``, ``signed_params`` and ``signed_url`` let a test sign something other than what it sends.
    """

    def post(
        client: TestClient,
        path: str,
        params: dict[str, str],
        *,
        query: dict[str, str] | None = None,
        signature: str | None = None,
        signed_params: dict[str, str] | None = None,
        signed_url: str | None = None,
    ) -> Response:
        suffix = "?" + urlencode(query) if query else ""
        url = f"{PUBLIC_BASE}{path}{suffix}"
        if signature is None:
            signature = compute_signature(AUTH_TOKEN, signed_url or url, signed_params or params)
        return client.post(
            f"{path}{suffix}",
            content=urlencode(params).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", SIGNATURE_HEADER: signature},
        )

    return post


def _wait_until_listening(process: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + PRISM_START_LIMIT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"prism exited with status {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"prism did not listen on port {port}")


@pytest.fixture(scope="session")
def prism_url() -> Iterator[str]:
    """Base URL of a Prism mock server serving Twilio's 2010 API description, started once per test run."""
    missing = [str(path) for path in (PRISM, TWILIO_SPEC) if not path.exists()]
    if missing:
        message = (
            f"Twilio mock unavailable, missing {', '.join(missing)}; install it with "
            "`npm install --prefix .tools @stoplight/prism-cli@5.14.2`"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    port = free_port()
    process = subprocess.Popen(
        [str(PRISM), "mock", str(TWILIO_SPEC), "-h", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_listening(process, port)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class FakeTwilio:
    """A stand-in for Twilio's API that answers every request with one canned reply and keeps the forms.

    Prism can only answer what the OpenAPI description documents, and that has no error bodies, so Twilio's
    JSON errors (such as code 21610) are served from here.
    """

    def __init__(self) -> None:
        self.status = 201
        self.body: dict[str, object] = {"sid": "SM" + "f" * 32, "status": "queued"}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.url = ""

    def reply(self, status: int, body: dict[str, object]) -> None:
        self.status, self.body = status, body

    async def handle(self, request: web.Request) -> web.Response:
        form = await request.post()
        self.requests.append((request.path, {key: str(value) for key, value in form.items()}))
        return web.json_response(self.body, status=self.status)


@pytest.fixture
async def fake_twilio() -> AsyncIterator[FakeTwilio]:
    fake = FakeTwilio()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fake.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    fake.url = f"http://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        await runner.cleanup()

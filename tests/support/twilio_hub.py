"""The hub's web app with the Twilio routes mounted on a real ``StoreSink``, and requests signed as Twilio signs
them, for tests that go from an HTTP request to the store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx
from pydantic import SecretStr

from channels.twilio_signature import SIGNATURE_HEADER, compute_signature
from inbox.settings import Settings, TwilioSection
from inbox.sink import StoreSink
from inbox.web.app import create_app
from workers.context import JobContext
from workers.webhooks import channel_routes

# Prism checks the account SID in the path against the spec's pattern, so it must look like a real one.
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "flow-auth-token-9a8b7c6d"
PUBLIC_BASE = "https://hub.example.com"
HUB_NUMBER = "+14155550100"


def with_twilio(settings: Settings, api_base_url: str = "https://api.twilio.com") -> Settings:
    """The test settings with a Twilio account switched on and the public address Twilio signs over."""
    twilio = TwilioSection(
        account_sid=ACCOUNT_SID,
        auth_token=SecretStr(AUTH_TOKEN),
        api_base_url=api_base_url,
        sms_from=HUB_NUMBER,
        voice_caller_id=HUB_NUMBER,
        voice_agent_ring_seconds=15,
        voice_voicemail_after_seconds=60,
    )
    hub = settings.hub.model_copy(update={"public_url": PUBLIC_BASE})
    return settings.model_copy(update={"twilio": twilio, "hub": hub})


@dataclass
class TwilioHub:
    client: httpx.AsyncClient
    sink: StoreSink

    async def post(
        self,
        path: str,
        params: dict[str, str],
        *,
        query: dict[str, str] | None = None,
        signature: str | None = None,
        signed_params: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Post a form the way Twilio does: signed over the public URL with the account's auth token."""
        suffix = "?" + urlencode(query) if query else ""
        if signature is None:
            signature = compute_signature(AUTH_TOKEN, f"{PUBLIC_BASE}{path}{suffix}", signed_params or params)
        return await self.client.post(
            f"{path}{suffix}",
            content=urlencode(params).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", SIGNATURE_HEADER: signature},
        )


@asynccontextmanager
async def twilio_hub(ctx: JobContext, api_base_url: str = "https://api.twilio.com") -> AsyncIterator[TwilioHub]:
    settings = with_twilio(ctx.settings, api_base_url)
    sink = StoreSink(ctx.store, ctx.blobs, settings)
    app = create_app(settings=settings, store=ctx.store, channel_routes=channel_routes(settings, sink, ctx.store))
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_BASE) as client:
            yield TwilioHub(client, sink)
    finally:
        await sink.close()

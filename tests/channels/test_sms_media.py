from __future__ import annotations

import base64

import httpx
import pytest

from channels.base import PermanentChannelError, TransientChannelError
from channels.sms_media import download_media, media_filename
from channels.twilio_config import TwilioConfig

MEDIA_URL = "https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME1"
STORAGE_URL = "https://media-storage.example.net/ME1?signature=abc"


def _expected_auth(config: TwilioConfig) -> str:
    token = base64.b64encode(f"{config.account_sid}:{config.auth_token}".encode()).decode()
    return f"Basic {token}"


async def test_download_sends_credentials_to_twilio_only_and_follows_the_redirect(
    twilio_config: TwilioConfig,
) -> None:
    seen: list[tuple[str, str | None]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((str(request.url), request.headers.get("authorization")))
        if request.url.host == "api.twilio.com":
            return httpx.Response(307, headers={"location": STORAGE_URL})
        return httpx.Response(200, content=b"\xff\xd8jpeg", headers={"content-type": "image/jpeg"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        attachment = await download_media(MEDIA_URL, twilio_config, client=client)
    assert attachment.data == b"\xff\xd8jpeg"
    assert attachment.content_type == "image/jpeg"
    assert attachment.filename == "ME1.jpg"
    assert seen == [(MEDIA_URL, _expected_auth(twilio_config)), (STORAGE_URL, None)]


@pytest.mark.parametrize(("status", "error"), [(404, PermanentChannelError), (503, TransientChannelError)])
async def test_download_failures_are_classified(
    status: int, error: type[Exception], twilio_config: TwilioConfig
) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(status))
    async with httpx.AsyncClient(transport=transport) as client:
        with pytest.raises(error):
            await download_media(MEDIA_URL, twilio_config, client=client)


async def test_network_error_is_transient(twilio_config: TwilioConfig) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(TransientChannelError):
            await download_media(MEDIA_URL, twilio_config, client=client)


async def test_credentials_are_never_sent_to_a_foreign_host(twilio_config: TwilioConfig) -> None:
    calls: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda request: calls.append(request) or httpx.Response(200))
    async with httpx.AsyncClient(transport=transport) as client:
        with pytest.raises(PermanentChannelError, match="unexpected host"):
            await download_media("https://evil.example.org/steal", twilio_config, client=client)
    assert calls == []


def test_filename_keeps_an_existing_extension() -> None:
    assert media_filename("https://api.twilio.com/x/report.pdf", "application/pdf") == "report.pdf"
    assert media_filename("https://api.twilio.com/x/ME9", "application/x-unknown") == "ME9.bin"

"""The MMS media job against a small local HTTP server standing in for Twilio's media host."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from sqlalchemy import func, select

from channels.sms import SmsChannel, parse_inbound_sms
from channels.twilio_config import TwilioConfig
from inbox.actions.ingest import IngestOutcome
from inbox.models import Attachment, Message, OutboxJob
from tests.support.factories import ingest
from tests.support.jobs import JobDriver
from workers.context import JobContext
from workers.jobs import media

PICTURE = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
CARD = b"BEGIN:VCARD\r\nFN:Li Wei\r\nEND:VCARD\r\n"
ACCOUNT = "AC" + "0123456789abcdef" * 2
TOKEN = "media-test-token"


@dataclass
class MediaHost:
    url: str = ""
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    requests: list[tuple[str, str | None]] = field(default_factory=list)
    failing_first: int = 0

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append((request.path, request.headers.get("Authorization")))
        if self.failing_first > 0:
            self.failing_first -= 1
            return web.Response(status=503)
        found = self.files.get(request.path)
        if found is None:
            return web.Response(status=404)
        return web.Response(body=found[0], content_type=found[1])


@pytest.fixture
async def media_host() -> AsyncIterator[MediaHost]:
    host = MediaHost()
    host.files = {
        f"/2010-04-01/Accounts/{ACCOUNT}/Messages/MM1/Media/ME1": (PICTURE, "image/png"),
        f"/2010-04-01/Accounts/{ACCOUNT}/Messages/MM1/Media/ME2": (CARD, "text/vcard"),
    }
    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", host.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    await web.TCPSite(runner, "127.0.0.1", port).start()
    host.url = f"http://127.0.0.1:{port}"
    try:
        yield host
    finally:
        await runner.cleanup()


@pytest.fixture
def sms(ctx: JobContext, media_host: MediaHost) -> SmsChannel:
    # The media host is the configured API host here, which is what lets the credentials go to it.
    config = TwilioConfig(
        account_sid=ACCOUNT, auth_token=TOKEN, public_base_url="https://hub.example.com", api_base_url=media_host.url
    )
    channel = SmsChannel(config)
    ctx.channels.register(channel)
    return channel


async def receive_mms(ctx: JobContext, host: MediaHost, *names: str) -> IngestOutcome:
    form = {"MessageSid": "MM1", "From": "+14155552345", "To": "+14155550100", "Body": "Photo of the damage"}
    form["NumMedia"] = str(len(names))
    for index, name in enumerate(names):
        form[f"MediaUrl{index}"] = f"{host.url}/2010-04-01/Accounts/{ACCOUNT}/Messages/MM1/Media/{name}"
        form[f"MediaContentType{index}"] = "application/octet-stream"
    return await ingest(ctx, parse_inbound_sms(form))


async def attachments(ctx: JobContext, message_id: int) -> list[Attachment]:
    async with ctx.store.read() as session:
        rows = await session.execute(
            select(Attachment).where(Attachment.message_id == message_id).order_by(Attachment.id)
        )
    return list(rows.scalars())


async def details(ctx: JobContext, message_id: int) -> dict[str, object]:
    async with ctx.store.read() as session:
        message = await session.get(Message, message_id)
    assert message is not None
    return dict(message.details)


async def test_media_are_fetched_with_the_account_credentials_and_attached(
    ctx: JobContext, jobs: JobDriver, sms: SmsChannel, media_host: MediaHost
) -> None:
    outcome = await receive_mms(ctx, media_host, "ME1", "ME2")
    async with ctx.store.read() as session:
        queued = (await session.execute(select(OutboxJob.job, OutboxJob.key))).all()
    assert ("media", f"media:{outcome.message_id}") in queued
    await jobs.drain()
    picture, card = await attachments(ctx, outcome.message_id)
    assert (picture.filename, picture.content_type, picture.size) == ("ME1.png", "image/png", len(PICTURE))
    assert card.content_type == "text/vcard"
    assert await ctx.blobs.get(picture.sha256) == PICTURE
    assert await ctx.blobs.get(card.sha256) == CARD
    assert all(auth is not None and auth.startswith("Basic ") for _path, auth in media_host.requests)


async def test_running_the_job_again_adds_nothing(
    ctx: JobContext, jobs: JobDriver, sms: SmsChannel, media_host: MediaHost
) -> None:
    outcome = await receive_mms(ctx, media_host, "ME1", "ME2")
    await jobs.drain()
    fetched = len(media_host.requests)
    await media.run(ctx, {"message_id": outcome.message_id})
    assert len(await attachments(ctx, outcome.message_id)) == 2
    assert len(media_host.requests) == fetched


async def test_a_passing_failure_is_retried_and_fetches_only_what_is_missing(
    ctx: JobContext, jobs: JobDriver, sms: SmsChannel, media_host: MediaHost
) -> None:
    media_host.failing_first = 1
    outcome = await receive_mms(ctx, media_host, "ME1")
    await jobs.drain()
    assert [row.filename for row in await attachments(ctx, outcome.message_id)] == ["ME1.png"]
    assert len(media_host.requests) == 2


async def test_a_missing_file_is_reported_on_the_message_and_the_rest_is_kept(
    ctx: JobContext, jobs: JobDriver, sms: SmsChannel, media_host: MediaHost
) -> None:
    outcome = await receive_mms(ctx, media_host, "GONE", "ME2")
    await jobs.drain()
    assert [row.content_type for row in await attachments(ctx, outcome.message_id)] == ["text/vcard"]
    failed = (await details(ctx, outcome.message_id))["media_failed"]
    assert failed == {"0": "The media file is no longer available (HTTP 404)."}


async def test_a_text_without_media_queues_no_fetch(ctx: JobContext, sms: SmsChannel, media_host: MediaHost) -> None:
    await receive_mms(ctx, media_host)
    async with ctx.store.read() as session:
        waiting = await session.execute(select(func.count()).select_from(OutboxJob).where(OutboxJob.job == "media"))
    assert waiting.scalar_one() == 0

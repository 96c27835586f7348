"""The live inbox in a real Chromium: an agent signs in, a customer's email arrives through the real mail path
while the page is open and shows up without a reload, the agent answers and the answer leaves by SMTP, a private
note never leaves, and the customer's next mail is appended to the open conversation.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme
from aiosmtpd.controller import Controller
from playwright.async_api import Page, expect

from channels.base import ChannelName, Identity, IdentityKind, ThreadHints
from channels.email import EmailChannel, deliver_mail
from inbox.actions.presence import do_set_presence
from inbox.models import Conversation
from inbox.realtime import INBOX_TOPIC, PublishingSink
from inbox.settings import Settings
from inbox.sink import StoreSink
from inbox.web.app import create_app
from tests.channels.email.smtp_sink import SinkHandler, authenticate
from tests.channels.webchat.browser import ARTIFACTS, chromium
from tests.support.buses import NamespacedBus, backend_bus
from tests.support.factories import inbound, ingest
from tests.support.jobs import JobDriver
from tests.support.live_server import serving
from tests.support.ports import free_port
from tests.support.web import PASSWORD, World, agent_row, build_world
from tests.workers.email_hub import trust_file, with_email
from workers.context import JobContext
from workers.email_setup import email_channel

CUSTOMER = "mei.lin@example.com"
# Only stops a hung test: on a loaded machine a page may take seconds to render; nothing here measures speed.
HANG_GUARD_MS = 30_000


@dataclass
class Mailroom:
    """The hub's mail side for the test: SMTP out to a recording server, and the parsed-mail path in."""

    handler: SinkHandler
    adapter: EmailChannel
    sink: PublishingSink

    async def customer_sends(self, raw: bytes) -> None:
        # The same call the IMAP poller makes for every fetched message.
        await deliver_mail(raw, self.sink, self.adapter)


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[tuple[SinkHandler, int, Path]]:
    authority = trustme.CA()
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(server_tls)
    handler = SinkHandler()
    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        tls_context=server_tls,
        require_starttls=True,
        auth_required=True,
        authenticator=authenticate,
    )
    controller.start()
    try:
        yield handler, port, trust_file(authority, tmp_path)
    finally:
        controller.stop()


@pytest.fixture
async def bus(settings: Settings) -> AsyncIterator[NamespacedBus]:
    made = backend_bus(settings)
    yield made
    await made.aclose()


@pytest.fixture
async def mailroom(ctx: JobContext, smtp: tuple[SinkHandler, int, Path], bus: NamespacedBus) -> AsyncIterator[Mailroom]:
    handler, port, ca_file = smtp
    adapter = email_channel(with_email(ctx.settings, ca_file, smtp_port=port))
    assert isinstance(adapter, EmailChannel)
    ctx.channels.register(adapter)
    sink = PublishingSink(StoreSink(ctx.store, ctx.blobs, ctx.settings), bus)
    yield Mailroom(handler, adapter, sink)
    await sink.close()
    await adapter.aclose()


@pytest.fixture
async def hub(ctx: JobContext, bus: NamespacedBus) -> AsyncIterator[str]:
    app = create_app(settings=ctx.settings, store=ctx.store, blobs=ctx.blobs, bus=bus)
    async with serving(app) as base:
        try:
            yield base
        finally:
            await app.state.live.aclose()


def _mail(number: int, subject: str, text: str, extra: str = "") -> bytes:
    return (
        f"From: Mei Lin <{CUSTOMER}>\r\nTo: support@hub.test\r\nSubject: {subject}\r\n"
        f"Message-ID: <mei{number}@example.com>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n{extra}"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
    ).encode()


async def _sign_in(page: Page, base: str, world: World, name: str) -> None:
    await page.goto(f"{base}/?view=unassigned")
    await page.fill("input[name=email]", world.emails[name])
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await expect(page.locator("body")).to_have_attribute("data-live", "on", timeout=HANG_GUARD_MS)


async def test_a_new_email_arrives_live_and_the_answer_leaves_by_smtp(
    ctx: JobContext, jobs: JobDriver, hub: str, mailroom: Mailroom
) -> None:
    world = await build_world(ctx)
    async with chromium() as browser:
        page = await browser.new_page()
        await _sign_in(page, hub, world, "chen")
        unassigned = page.locator('nav.views a[data-view="unassigned"] .count')
        before = int(await unassigned.inner_text())

        await mailroom.customer_sends(_mail(1, "Late check-out on Friday?", "Could we leave at 2 pm instead of noon?"))

        row = page.locator("table.conversations tr", has_text="Late check-out on Friday?")
        await expect(row).to_be_visible(timeout=HANG_GUARD_MS)
        await expect(unassigned).to_have_text(str(before + 1), timeout=HANG_GUARD_MS)
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "inbox-live.png"), full_page=True)

        await row.locator("a").click()
        await expect(page.locator("body")).to_have_attribute("data-live", "on", timeout=HANG_GUARD_MS)
        await page.fill("#composer textarea", "Of course: your room is yours until 2 pm.")
        await page.click("#composer button[type=submit]")
        await expect(page.locator("article.message.outbound .text")).to_have_text(
            "Of course: your room is yours until 2 pm.", timeout=HANG_GUARD_MS
        )
        await page.fill("#composer textarea", "Internal: approved by the front office manager.")
        await page.check("#composer input[name=note]")
        await page.click("#composer button[type=submit]")
        await expect(page.locator("article.message.internal .text")).to_have_text(
            "Internal: approved by the front office manager.", timeout=HANG_GUARD_MS
        )

        # The customer answers while the conversation is open: it appears without a reload.
        await mailroom.customer_sends(
            _mail(2, "Re: Late check-out on Friday?", "Wonderful, thank you!", "In-Reply-To: <mei1@example.com>\r\n")
        )
        await expect(page.locator("article.message.inbound .text").last).to_have_text(
            "Wonderful, thank you!", timeout=HANG_GUARD_MS
        )
        await page.screenshot(path=str(ARTIFACTS / "conversation-live.png"), full_page=True)

        # Presence from the header reaches the store.
        await page.select_option("form[data-presence-form] select", "away")
        await expect(page.locator("body")).to_have_attribute("data-presence", "away", timeout=HANG_GUARD_MS)
        await page.close()

    assert (await agent_row(ctx, world.people["chen"])).presence == "away"
    await jobs.drain()
    (sent,) = mailroom.handler.received
    assert sent.recipients == [CUSTOMER]
    assert b"your room is yours until 2 pm" in sent.content
    assert b"front office manager" not in sent.content


async def test_the_supervisor_watches_presence_and_queues_change_live(
    ctx: JobContext, hub: str, mailroom: Mailroom
) -> None:
    world = await build_world(ctx)
    async with chromium() as browser:
        page = await browser.new_page(viewport={"width": 1400, "height": 1000})
        await page.goto(f"{hub}/supervisor")
        await page.fill("input[name=email]", world.emails["olivia"])
        await page.fill("input[name=password]", PASSWORD)
        await page.click("button[type=submit]")
        await expect(page.locator("body")).to_have_attribute("data-live", "on", timeout=HANG_GUARD_MS)
        shared = page.locator('tr[data-pool="shared"] td.num').first
        await expect(shared).to_have_text("1", timeout=HANG_GUARD_MS)
        chen = page.locator(f'tr[data-agent="{world.people["chen"]}"] .presence-badge')
        await expect(chen).to_have_text("offline", timeout=HANG_GUARD_MS)

        await do_set_presence(ctx.store, agent_id=world.people["chen"], presence="busy")
        await expect(chen).to_have_text("busy", timeout=HANG_GUARD_MS)
        await mailroom.customer_sends(_mail(3, "Invoice copy", "Please send the invoice again."))
        await expect(shared).to_have_text("2", timeout=HANG_GUARD_MS)
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "supervisor.png"), full_page=True)
        await page.close()


async def test_a_chat_visitor_typing_shows_on_the_open_conversation(
    ctx: JobContext, hub: str, bus: NamespacedBus
) -> None:
    world = await build_world(ctx)
    visitor = Identity(IdentityKind.WEBCHAT, "visitor-9")
    chat = await ingest(
        ctx, inbound(ChannelName.WEBCHAT, external_id="c9", sender=visitor, thread=ThreadHints(session_key="visitor-9"))
    )
    async with ctx.store.write() as session:
        row = await session.get(Conversation, chat.conversation_id)
        assert row is not None
        row.assignee_id = world.people["chen"]
    async with chromium() as browser:
        page = await browser.new_page()
        await _sign_in(page, hub, world, "chen")
        await page.goto(f"{hub}/conversations/{chat.conversation_id}")
        await expect(page.locator("body")).to_have_attribute("data-live", "on", timeout=HANG_GUARD_MS)
        # What the web chat edge publishes when the visitor types (channels/webchat/session.py).
        typing = {"type": "typing", "channel": "webchat", "visitor": "visitor-9", "who": "visitor"}
        await bus.publish(INBOX_TOPIC, {**typing, "on": True})
        line = page.locator("p.typing")
        await expect(line).to_have_text("The customer is typing…", timeout=HANG_GUARD_MS)
        await bus.publish(INBOX_TOPIC, {**typing, "on": False})
        await expect(line).to_be_hidden(timeout=HANG_GUARD_MS)
        await page.close()

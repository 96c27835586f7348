"""The widget in a real Chromium: a visitor and an agent talk both ways, the page reloads, the hub restarts.

The agent's side is the real path: ``do_reply`` queues the send job, the job runs the web chat adapter, and the
adapter publishes to the visitor's feed on the bus.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from aiosmtpd.controller import Controller
from playwright.async_api import Page, expect
from sqlalchemy import select

from channels.email import ComposeConfig, EmailChannel, ParseConfig, SmtpConfig, SmtpSecurity, SmtpSender
from channels.webchat import outbound_key
from inbox.actions.reply import do_reply
from inbox.models import Attachment, Contact, ContactIdentity, Conversation, Message
from inbox.realtime import INBOX_TOPIC, Subscription
from tests.channels.email.smtp_sink import SinkHandler
from tests.channels.webchat.browser import ARTIFACTS, chromium, page_with_widget
from tests.channels.webchat.live_hub import INBOX, live_hub
from tests.support.factories import add_agent
from tests.support.jobs import JobDriver
from tests.support.ports import free_port
from workers.context import JobContext

SHADOW = "#hub-webchat"


async def _conversation_of_next_message(agents: Subscription) -> int:
    while True:
        event = await agents.get()
        assert event is not None
        if event["type"] == "message.created":
            return int(event["conversation_id"])


async def _reported_delivered(agents: Subscription, message_id: int) -> None:
    while True:
        event = await agents.get()
        assert event is not None
        if event["type"] == "delivery" and event["external_id"] == outbound_key(message_id):
            assert event["status"] == "delivered"
            return


async def _agent_says(ctx: JobContext, jobs: JobDriver, conversation_id: int, text: str) -> int:
    outcome = await do_reply(ctx.store, conversation_id=conversation_id, agent_id=None, text=text)
    await jobs.drain()
    return outcome.message_id


async def _visitor_types(page: Page, text: str) -> None:
    box = page.locator(SHADOW).get_by_label("Type your message")
    await box.fill(text)
    await box.press("Enter")


def _messages(page: Page) -> object:
    return page.locator(SHADOW).locator("li.msg")


async def test_visitor_and_agent_talk_through_reload_and_restart(ctx: JobContext, jobs: JobDriver) -> None:
    await add_agent(ctx, presence="online")
    async with live_hub(ctx) as hub, chromium() as browser:
        hub.page_html["shop"] = page_with_widget(hub.base, INBOX)
        agents = await hub.bus.subscribe(INBOX_TOPIC)
        page = await browser.new_page(locale="en-US")
        await page.goto(f"{hub.page_origin}/shop")
        widget = page.locator(SHADOW)
        launcher = widget.get_by_role("button", name="Open chat")
        await launcher.click()
        await expect(widget.get_by_role("status")).to_have_text("We usually answer within minutes")

        await _visitor_types(page, "Hello, is my order shipped?")
        mine = widget.locator("li.msg.visitor")
        await expect(mine).to_have_count(1)
        await expect(mine.locator(".state")).to_have_text("Sent")
        conversation_id = await _conversation_of_next_message(agents)

        await _agent_says(ctx, jobs, conversation_id, "Yes, it left the warehouse today.")
        await expect(widget.locator("li.msg.agent .text")).to_have_text(["Yes, it left the warehouse today."])

        # A visitor typing markup sees it as text, and the host page runs nothing.
        await _visitor_types(page, "<script>window.pwned = 1</script><b>bold?</b>")
        await expect(mine.nth(1).locator(".text")).to_have_text("<script>window.pwned = 1</script><b>bold?</b>")
        await expect(mine.nth(1).locator(".state")).to_have_text("Sent")
        assert await page.evaluate("window.pwned") is None
        assert await widget.locator("li.msg script, li.msg b").count() == 0

        expected = [
            "Hello, is my order shipped?",
            "Yes, it left the warehouse today.",
            "<script>window.pwned = 1</script><b>bold?</b>",
        ]
        await page.reload()
        await expect(page.locator(SHADOW).locator("li.msg .text")).to_have_text(expected)

        await hub.server.stop()
        await expect(page.locator(SHADOW).get_by_role("status")).to_have_text("Connection lost, reconnecting…")
        await hub.server.start()
        await expect(page.locator(SHADOW).get_by_role("status")).to_have_text(
            "We usually answer within minutes", timeout=20_000
        )
        last_reply = await _agent_says(ctx, jobs, conversation_id, "Anything else I can do?")
        await _visitor_types(page, "No, thanks!")
        await expect(page.locator(SHADOW).locator("li.msg .text")).to_have_text(
            [*expected, "Anything else I can do?", "No, thanks!"]
        )
        await expect(page.locator(SHADOW).locator("li.msg.visitor .state").last).to_have_text("Sent")
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "webchat.png"))
        # The open widget reports each answer as seen.
        await asyncio.wait_for(_reported_delivered(agents, last_reply), timeout=10)
        await agents.close()

    async with ctx.store.read() as session:
        rows = await session.execute(select(Message).order_by(Message.id))
        stored = [(m.direction, m.text) for m in rows.scalars()]
        replies = await session.execute(select(Message.delivery_status).where(Message.direction == "outbound"))
        statuses = set(replies.scalars())
    assert stored == [
        ("inbound", expected[0]),
        ("outbound", expected[1]),
        ("inbound", expected[2]),
        ("outbound", "Anything else I can do?"),
        ("inbound", "No, thanks!"),
    ]
    assert statuses == {"delivered"}


async def test_chinese_pages_get_chinese_texts(ctx: JobContext) -> None:
    async with live_hub(ctx) as hub, chromium() as browser:
        hub.page_html["zh"] = page_with_widget(hub.base, INBOX, lang="zh-CN")
        page = await browser.new_page(locale="en-US")
        await page.goto(f"{hub.page_origin}/zh")
        widget = page.locator(SHADOW)
        await widget.get_by_role("button", name="打开聊天").click()
        await expect(widget.get_by_role("form")).to_contain_text("目前没有客服在线")
        await expect(widget.get_by_role("textbox", name="邮箱")).to_be_visible()


@pytest.fixture
def smtp_sink() -> Iterator[tuple[SinkHandler, int, ssl.SSLContext]]:
    authority = trustme.CA()
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server_tls)
    client_tls = ssl.create_default_context()
    authority.configure_trust(client_tls)
    handler = SinkHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, ssl_context=server_tls)
    controller.start()
    try:
        yield handler, port, client_tls
    finally:
        controller.stop()


async def test_the_offline_form_leads_to_an_answer_by_email(
    ctx: JobContext, jobs: JobDriver, smtp_sink: tuple[SinkHandler, int, ssl.SSLContext]
) -> None:
    handler, port, client_tls = smtp_sink
    sender = SmtpSender(SmtpConfig(host="127.0.0.1", port=port, security=SmtpSecurity.TLS), tls_context=client_tls)
    ctx.channels.register(EmailChannel(ParseConfig(), ComposeConfig(from_address="support@shop.example"), sender))
    async with live_hub(ctx) as hub, chromium() as browser:
        hub.page_html["shop"] = page_with_widget(hub.base, INBOX)
        page = await browser.new_page(locale="en-US")
        await page.goto(f"{hub.page_origin}/shop")
        widget = page.locator(SHADOW)
        await widget.get_by_role("button", name="Open chat").click()
        offline = widget.get_by_role("form")
        await expect(offline).to_contain_text("No one is available right now")
        await offline.get_by_label("Email").fill("mei@example.com")
        await offline.get_by_label("Name").fill("Mei")
        await offline.get_by_label("Message").fill("Can I change my delivery address?")
        await offline.get_by_role("button", name="Send").click()
        await expect(widget.locator(".forms")).to_contain_text("We will answer at mei@example.com")
    async with ctx.store.read() as session:
        conversation = (await session.execute(select(Conversation))).scalar_one()
    outcome = await do_reply(
        ctx.store, conversation_id=conversation.id, agent_id=None, text="Yes: reply with the new address."
    )
    await jobs.drain()
    assert outcome.channel == "email"
    (mail,) = handler.received
    assert mail.recipients == ["mei@example.com"]
    assert b"Yes: reply with the new address." in mail.content
    await sender.aclose()


async def test_the_pre_chat_form_and_an_image_upload(ctx: JobContext, tmp_path: Path) -> None:
    await add_agent(ctx, presence="online")
    picture = tmp_path / "receipt.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 128)
    async with live_hub(ctx, prechat=True) as hub, chromium() as browser:
        hub.page_html["shop"] = page_with_widget(hub.base, INBOX)
        page = await browser.new_page(locale="en-US")
        await page.goto(f"{hub.page_origin}/shop")
        widget = page.locator(SHADOW)
        await widget.get_by_role("button", name="Open chat").click()
        prechat = widget.get_by_role("form")
        await expect(prechat).to_contain_text("tell us who you are")
        await prechat.get_by_label("Name").fill("Mei")
        await prechat.get_by_label("Email").fill("mei@example.com")
        await prechat.get_by_role("button", name="Start chat").click()
        await expect(widget.get_by_role("form")).to_have_count(0)
        await widget.locator("input[type=file]").set_input_files(str(picture))
        sent = widget.locator("li.msg.visitor")
        await expect(sent.locator(".file")).to_have_text("receipt.png")
        await expect(sent.locator(".state")).to_have_text("Sent")
        # Keyboard only: Escape closes the panel and gives the focus back to the launcher.
        await widget.get_by_label("Type your message").press("Escape")
        await expect(widget.get_by_role("dialog")).to_be_hidden()
        await expect(widget.get_by_role("button", name="Open chat")).to_be_focused()
    async with ctx.store.read() as session:
        contact = (await session.execute(select(Contact))).scalar_one()
        kinds = set((await session.execute(select(ContactIdentity.kind))).scalars())
        (attachment,) = (await session.execute(select(Attachment))).scalars().all()
    assert contact.name == "Mei" and kinds == {"webchat", "email"}
    assert attachment.content_type == "image/png" and attachment.filename == "receipt.png"
    assert contact.preferred_channel is None

"""The agents' web app in a real browser: sign in, open a conversation, reply; and a hostile email stays inert."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser

from channels.base import ChannelName, Identity, IdentityKind
from tests.channels.webchat.browser import ARTIFACTS, chromium
from tests.support.factories import inbound, ingest
from tests.support.jobs import JobDriver
from tests.support.live_server import serving
from tests.support.recording_channel import RecordingChannel
from tests.support.web import PASSWORD, build_app, build_world
from workers.context import JobContext


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as launched:
        yield launched


async def test_sign_in_see_the_conversation_and_reply(ctx: JobContext, jobs: JobDriver, browser: Browser) -> None:
    world = await build_world(ctx)
    conversation_id = world.conversations["chen_own"]
    async with serving(build_app(ctx)) as base:
        page = await browser.new_page()
        await page.goto(f"{base}/")
        assert "/login" in page.url
        await page.fill("input[name=email]", world.emails["chen"])
        await page.fill("input[name=password]", PASSWORD)
        await page.click("button[type=submit]")
        await page.wait_for_selector(f'tr[data-conversation="{conversation_id}"]')
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "inbox.png"), full_page=True)
        await page.click(f'tr[data-conversation="{conversation_id}"] a')
        await page.wait_for_selector("#composer")
        assert await page.input_value("#composer select[name=channel]") == "email"
        await page.fill("#composer textarea", "Your booking is moved to Tuesday.")
        await page.click("#composer button[type=submit]")
        await page.wait_for_selector("text=Your booking is moved to Tuesday.")
        await page.screenshot(path=str(ARTIFACTS / "conversation.png"), full_page=True)
        await page.close()
    await jobs.drain()
    email = ctx.channels.get(ChannelName.EMAIL)
    assert isinstance(email, RecordingChannel)
    assert [m.text for m in email.sent] == ["Your booking is moved to Tuesday."]


async def test_a_script_carrying_email_renders_inert(ctx: JobContext, browser: Browser) -> None:
    world = await build_world(ctx)
    async with serving(build_app(ctx)) as base:
        hostile = (
            "<p>Invoice attached</p>"
            "<script>parent.document.title = 'ran'; fetch('BASE/leak-script');</script>"
            "<img src='BASE/leak-image' onerror=\"parent.document.title = 'ran'\">"
            "<iframe src='BASE/leak-frame'></iframe>"
        ).replace("BASE", base)
        sender = Identity(IdentityKind.EMAIL, "chen_own@example.com")
        await ingest(ctx, inbound(ChannelName.EMAIL, external_id="hostile@example.com", sender=sender, html=hostile))
        page = await browser.new_page()
        requests: list[str] = []
        dialogs: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.on("dialog", lambda dialog: dialogs.append(dialog.message))
        await page.goto(f"{base}/login")
        await page.fill("input[name=email]", world.emails["chen"])
        await page.fill("input[name=password]", PASSWORD)
        await page.click("button[type=submit]")
        await page.wait_for_selector("tr[data-conversation]")
        await page.goto(f"{base}/conversations/{world.conversations['chen_own']}")
        frame_element = await page.wait_for_selector("iframe.email-body")
        assert frame_element is not None
        frame = await frame_element.content_frame()
        assert frame is not None
        await frame.wait_for_selector("text=Invoice attached")
        await page.wait_for_load_state("networkidle")
        assert await page.title() != "ran"
        assert not [url for url in requests if "leak" in url]
        assert dialogs == []
        await page.close()

"""The composer in a real browser: a private note with a mention, a canned response inserted for the customer,
the SMS segment counter, and a reply that leaves by e-mail while the note never does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from playwright.async_api import Browser
from sqlalchemy import select

from channels.base import ChannelName
from inbox.actions.canned_response import CannedDraft, do_save_canned_response
from inbox.models import Contact, Event
from tests.channels.webchat.browser import ARTIFACTS, chromium
from tests.support.jobs import JobDriver
from tests.support.live_server import serving
from tests.support.privacy import KEY_A, keyed_store, with_keys
from tests.support.recording_channel import RecordingChannel
from tests.support.web import PASSWORD, build_app, build_world
from workers.context import JobContext


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as launched:
        yield launched


async def test_note_canned_response_and_reply(ctx: JobContext, jobs: JobDriver, browser: Browser) -> None:
    world = await build_world(ctx)
    conversation_id = world.conversations["chen_own"]
    await do_save_canned_response(
        ctx.store,
        CannedDraft("moved", "Booking moved", "Dear {{ customer.first_name }}, your booking is moved.", None),
        actor_agent_id=world.people["root"],
    )
    async with serving(build_app(ctx)) as base:
        page = await browser.new_page()
        await page.goto(f"{base}/login")
        await page.fill("input[name=email]", world.emails["chen"])
        await page.fill("input[name=password]", PASSWORD)
        await page.click("button[type=submit]")
        await page.wait_for_selector("tr[data-conversation]")
        await page.goto(f"{base}/conversations/{conversation_id}")
        submit = page.locator("[data-composer-submit]")

        # A private note: the reply-only fields go away and the button says what will happen.
        await page.check("[data-note-toggle]")
        assert await submit.text_content() == "Add note"
        assert not await page.is_visible("#composer select[name=channel]")
        # Typing "@oli" offers Olivia; Tab takes the suggestion.
        await page.click("[data-composer-text]")
        await page.keyboard.type("@oli")
        await page.wait_for_selector("[data-mention-suggestions] >> text=@olivia — Olivia")
        await page.keyboard.press("Tab")
        await page.keyboard.type("the customer asked for a refund before")
        assert await page.input_value("[data-composer-text]") == "@olivia the customer asked for a refund before"
        await submit.click()
        await page.wait_for_selector("text=Note added; notified Olivia")
        assert await page.is_visible("article.message.internal >> text=the customer asked for a refund")

        # The segment counter follows the text on SMS: Chinese turns the message into UCS-2.
        await page.select_option("[data-channel-picker]", "sms")
        await page.fill("[data-composer-text]", "你好" * 40)
        assert "UCS-2 · 2 segments" in (await page.text_content("[data-segment-counter]") or "")
        assert not await page.is_visible("input[name=cc]")
        await page.select_option("[data-channel-picker]", "email")
        assert await page.is_hidden("[data-segment-counter]") and await page.is_visible("input[name=cc]")

        # A canned response is rendered for this customer and put into the composer, not sent.
        await page.fill("[data-composer-text]", "")
        await page.select_option("[data-canned-picker]", label="moved — Booking moved")
        await page.click("[data-canned-insert]")
        # The page's policy forbids evaluated script, so wait by looking rather than by a predicate.
        for _ in range(200):
            if await page.input_value("[data-composer-text]"):
                break
            await asyncio.sleep(0.05)
        assert await page.input_value("[data-composer-text]") == "Dear Chen, your booking is moved."
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "composer.png"), full_page=True)
        await submit.click()
        await page.wait_for_selector("article.message.outbound >> text=Dear Chen, your booking is moved.")
        await page.close()
    await jobs.drain()
    email = ctx.channels.get(ChannelName.EMAIL)
    assert isinstance(email, RecordingChannel)
    assert [m.text for m in email.sent] == ["Dear Chen, your booking is moved."]
    for name in ChannelName:
        adapter = ctx.channels.get(name.value)
        assert isinstance(adapter, RecordingChannel)
        assert not any("refund" in m.text for m in adapter.sent), name


async def test_a_supervisor_reveals_a_masked_field_in_the_panel(ctx: JobContext, browser: Browser) -> None:
    async with keyed_store(ctx.settings, KEY_A) as store:
        keyed = replace(ctx, store=store, settings=with_keys(ctx.settings, KEY_A))
        world = await build_world(keyed)
        async with store.write() as session:
            contact = await session.get(Contact, world.contacts["chen_own"])
            assert contact is not None
            contact.id_document_number = "G12345678"
        async with serving(build_app(keyed)) as base:
            page = await browser.new_page()
            await page.goto(f"{base}/login")
            await page.fill("input[name=email]", world.emails["olivia"])
            await page.fill("input[name=password]", PASSWORD)
            await page.click("button[type=submit]")
            await page.wait_for_selector("header.top")
            await page.goto(f"{base}/conversations/{world.conversations['chen_own']}")
            shown = page.locator('[data-sensitive-value="id_document_number"]')
            assert await shown.text_content() == "•••• 5678"
            await page.click('button[data-reveal="id_document_number"]')
            await page.wait_for_selector('[data-sensitive-value="id_document_number"] >> text=G12345678')
            await page.click('button[data-reveal="id_document_number"]')
            assert await shown.text_content() == "•••• 5678"
            await page.goto(f"{base}/customers/{world.contacts['chen_own']}")
            await page.wait_for_selector("form.panel-form")
            ARTIFACTS.mkdir(exist_ok=True)
            await page.screenshot(path=str(ARTIFACTS / "customer.png"), full_page=True)
            await page.close()
        async with store.read() as session:
            reveals = (
                (await session.execute(select(Event).where(Event.kind == "contact.sensitive_revealed"))).scalars().all()
            )
    assert [(e.actor_agent_id, e.data["field"]) for e in reveals] == [(world.people["olivia"], "id_document_number")]

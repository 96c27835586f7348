"""Offers in a real Chromium: a chat put to the signed-in agent rings on the open page with its countdown; a
declined one leaves the screen and goes back to the queue; accepting opens the conversation."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import select

from channels.base import ChannelName, Identity, IdentityKind
from inbox.actions.offer import do_offer
from inbox.models import Conversation, OfferStatus, RoutingOffer
from inbox.realtime.changes import settled
from inbox.web.app import create_app
from tests.channels.webchat.browser import chromium
from tests.support.buses import NamespacedBus, backend_bus
from tests.support.factories import inbound, ingest
from tests.support.live_server import serving
from tests.support.web import PASSWORD, World, build_world
from workers.context import JobContext

# Only stops a hung test: on a loaded machine a page may take seconds to render; nothing here measures speed.
HANG_GUARD_MS = 30_000


@pytest.fixture
async def bus(ctx: JobContext) -> AsyncIterator[NamespacedBus]:
    made = backend_bus(ctx.settings)
    yield made
    await made.aclose()


@pytest.fixture
async def hub(ctx: JobContext, bus: NamespacedBus) -> AsyncIterator[str]:
    app = create_app(settings=ctx.settings, store=ctx.store, blobs=ctx.blobs, bus=bus)
    async with serving(app) as base:
        try:
            yield base
        finally:
            await app.state.live.aclose()


async def _sign_in(page: Page, base: str, world: World, name: str) -> None:
    await page.goto(f"{base}/")
    await page.fill("input[name=email]", world.emails[name])
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await expect(page.locator("body")).to_have_attribute("data-live", "on", timeout=HANG_GUARD_MS)


async def _chat(ctx: JobContext, number: int) -> int:
    visitor = Identity(IdentityKind.WEBCHAT, f"visitor-{number}", f"Visitor {number}")
    return (await ingest(ctx, inbound(ChannelName.WEBCHAT, f"chat-{number}", sender=visitor))).conversation_id


async def test_an_offer_rings_on_the_page_and_is_declined_or_accepted_there(ctx: JobContext, hub: str) -> None:
    world = await build_world(ctx)
    chen = world.people["chen"]
    declined, accepted = await _chat(ctx, 1), await _chat(ctx, 2)
    async with chromium() as browser:
        page = await browser.new_page()
        await _sign_in(page, hub, world, "chen")

        first = await do_offer(ctx.store, conversation_id=declined, agent_id=chen, timeout_seconds=90)
        await settled()
        card = page.locator(f'section.offer[data-offer="{first.offer_id}"]')
        await expect(card).to_be_visible(timeout=HANG_GUARD_MS)
        await expect(card).to_contain_text("A chat for you")
        await expect(card.locator("[data-countdown]")).to_have_text(re.compile(r"^\d{1,2}$"))
        await card.get_by_role("button", name="Decline").click()
        await expect(card).to_be_hidden(timeout=HANG_GUARD_MS)

        second = await do_offer(ctx.store, conversation_id=accepted, agent_id=chen, timeout_seconds=90)
        await settled()
        card = page.locator(f'section.offer[data-offer="{second.offer_id}"]')
        await card.get_by_role("button", name="Accept").click(timeout=HANG_GUARD_MS)
        await expect(page).to_have_url(f"{hub}/conversations/{accepted}", timeout=HANG_GUARD_MS)
        await page.close()

    async with ctx.store.read() as session:
        rows = await session.execute(select(RoutingOffer.conversation_id, RoutingOffer.status))
        offers = dict(rows.tuples().all())
        back = await session.get(Conversation, declined)
        taken = await session.get(Conversation, accepted)
    assert offers == {declined: OfferStatus.DECLINED.value, accepted: OfferStatus.ACCEPTED.value}
    assert back is not None and back.assignee_id is None
    assert taken is not None and taken.assignee_id == chen

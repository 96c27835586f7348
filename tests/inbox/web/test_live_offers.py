"""Offers on the agent's screen and in the API: only the offered agent sees and answers them, forms carry the
CSRF token, and the live socket rings the offered agent and tells them when it is over."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import websockets
from sqlalchemy import select
from websockets.asyncio.client import ClientConnection

from channels.base import ChannelName, Identity, IdentityKind
from inbox.actions.api_tokens import do_issue_api_token
from inbox.actions.offer import Offer, do_decline_offer, do_offer
from inbox.models import Conversation, OfferStatus, RoutingOffer
from inbox.realtime.changes import settled
from inbox.web.app import create_app
from inbox.web.openapi import document
from tests.inbox.web.test_openapi_conformance import conforms
from tests.support.buses import NamespacedBus, backend_bus
from tests.support.factories import inbound, ingest
from tests.support.live_server import serving
from tests.support.web import World, build_app, build_world, client_for, csrf_from, page_token, sign_in
from workers.context import JobContext

# Only stops a hung test; nothing here measures speed.
HANG_GUARD = 30.0


async def _chat_offered_to(ctx: JobContext, world: World, name: str = "chen") -> Offer:
    visitor = Identity(IdentityKind.WEBCHAT, "visitor-7", "Li Na")
    chat = (await ingest(ctx, inbound(ChannelName.WEBCHAT, "chat-7", sender=visitor))).conversation_id
    return await do_offer(ctx.store, conversation_id=chat, agent_id=world.people[name], timeout_seconds=60)


async def _offer_status(ctx: JobContext, offer_id: int) -> str:
    async with ctx.store.read() as session:
        row = await session.get(RoutingOffer, offer_id)
        assert row is not None
        return row.status


async def _assignee(ctx: JobContext, conversation_id: int) -> int | None:
    async with ctx.store.read() as session:
        return (
            await session.execute(select(Conversation.assignee_id).where(Conversation.id == conversation_id))
        ).scalar_one()


async def test_the_offered_agent_sees_the_offer_with_its_countdown_and_nobody_else_does(ctx: JobContext) -> None:
    world = await build_world(ctx)
    offer = await _chat_offered_to(ctx, world)
    app = build_app(ctx)
    async with client_for(app) as chen, client_for(app) as marcus, client_for(app) as mia:
        await sign_in(chen, world.emails["chen"])
        await sign_in(marcus, world.emails["marcus"])
        await sign_in(mia, world.emails["mia"])

        page = await chen.get("/offers")
        assert page.status_code == 200
        assert f'action="/offers/{offer.offer_id}/accept"' in page.text and "Li Na" in page.text
        panel = (await chen.get("/offers", headers={"Accept": "application/json"})).json()
        assert panel["count"] == 1
        assert f'action="/offers/{offer.offer_id}/decline"' in panel["html"]
        assert csrf_from(panel["html"]) == await page_token(chen)
        left = int(panel["html"].split('data-seconds-left="')[1].split('"')[0])
        assert 0 < left <= 60

        other = await marcus.get("/offers", headers={"Accept": "application/json"})
        assert other.json()["count"] == 0
        assert (await mia.get("/offers")).status_code == 403


async def test_only_the_offered_agent_accepts_and_only_with_the_forms_token(ctx: JobContext) -> None:
    world = await build_world(ctx)
    offer = await _chat_offered_to(ctx, world)
    accept = f"/offers/{offer.offer_id}/accept"
    app = build_app(ctx)
    async with client_for(app) as chen, client_for(app) as marcus:
        await sign_in(chen, world.emails["chen"])
        await sign_in(marcus, world.emails["marcus"])

        assert (await chen.post(accept, data={})).status_code == 403
        assert (await marcus.post(accept, data={"csrf_token": await page_token(marcus)})).status_code == 404
        assert await _offer_status(ctx, offer.offer_id) == OfferStatus.OPEN.value

        token = await page_token(chen)
        taken = await chen.post(accept, data={"csrf_token": token})
        assert (taken.status_code, taken.headers["location"]) == (303, f"/conversations/{offer.conversation_id}")
        assert await _offer_status(ctx, offer.offer_id) == OfferStatus.ACCEPTED.value
        assert await _assignee(ctx, offer.conversation_id) == world.people["chen"]

        again = await chen.post(accept, data={"csrf_token": token}, headers={"Accept": "application/json"})
        assert again.status_code == 409 and "already accepted" in again.json()["detail"]


async def test_a_decline_hands_the_chat_back_and_a_second_click_is_harmless(ctx: JobContext) -> None:
    world = await build_world(ctx)
    offer = await _chat_offered_to(ctx, world)
    as_json = {"Accept": "application/json"}
    async with client_for(build_app(ctx)) as chen:
        await sign_in(chen, world.emails["chen"])
        token = await page_token(chen)
        decline = f"/offers/{offer.offer_id}/decline"

        first = await chen.post(decline, data={"csrf_token": token}, headers=as_json)
        assert first.json() == {"status": "declined", "url": None}
        again = await chen.post(decline, data={"csrf_token": token, "next": "/offers"})
        assert (again.status_code, again.headers["location"]) == (303, "/offers")
        late = await chen.post(f"/offers/{offer.offer_id}/accept", data={"csrf_token": token}, headers=as_json)
        assert late.status_code == 409 and late.json()["status"] == "declined"
    assert await _assignee(ctx, offer.conversation_id) is None


async def test_the_api_lists_and_answers_the_callers_offers(ctx: JobContext) -> None:
    world = await build_world(ctx)
    offer = await _chat_offered_to(ctx, world)
    bearer = {}
    for name in ("chen", "marcus"):
        issued = await do_issue_api_token(ctx.store, agent_id=world.people[name], name="app", actor_agent_id=None)
        bearer[name] = {"Authorization": f"Bearer {issued.token}"}
    spec = document("http://hub.example")
    schema = spec["components"]["schemas"]["Offer"]
    async with client_for(build_app(ctx)) as client:
        listed = (await client.get("/api/v1/offers", headers=bearer["chen"])).json()["offers"]
        assert [item["id"] for item in listed] == [offer.offer_id]
        assert conforms(listed[0], schema, spec) == []
        assert listed[0]["status"] == "open" and 0 < listed[0]["seconds_left"] <= 60
        assert (await client.get("/api/v1/offers", headers=bearer["marcus"])).json() == {"offers": []}

        stranger = await client.post(f"/api/v1/offers/{offer.offer_id}/decline", headers=bearer["marcus"])
        assert stranger.status_code == 404
        declined = await client.post(f"/api/v1/offers/{offer.offer_id}/decline", headers=bearer["chen"])
        assert declined.status_code == 200 and declined.json()["status"] == "declined"
        assert conforms(declined.json(), schema, spec) == []
        again = await client.post(f"/api/v1/offers/{offer.offer_id}/decline", headers=bearer["chen"])
        assert again.status_code == 200
        late = await client.post(f"/api/v1/offers/{offer.offer_id}/accept", headers=bearer["chen"])
        assert late.status_code == 409 and late.json()["offer"]["status"] == "declined"
        assert (await client.post("/api/v1/offers/x/accept", headers=bearer["chen"])).status_code == 404
        assert (await client.get("/api/v1/offers")).status_code == 401


@pytest.fixture
async def bus(ctx: JobContext) -> AsyncIterator[NamespacedBus]:
    made = backend_bus(ctx.settings)
    yield made
    await made.aclose()


async def _next(socket: ClientConnection, kind: str) -> dict[str, Any]:
    async with asyncio.timeout(HANG_GUARD):
        while True:
            event = json.loads(await socket.recv())
            if event["type"] == kind:
                return dict(event)


async def test_the_socket_rings_the_offered_agent_and_says_when_it_is_over(ctx: JobContext, bus: NamespacedBus) -> None:
    world = await build_world(ctx)
    chen = world.people["chen"]
    # A Billing conversation: once handed back it is out of Chen's reach, yet he still hears the answer.
    queued = world.conversations["billing_queue"]
    app = create_app(settings=ctx.settings, store=ctx.store, blobs=ctx.blobs, bus=bus)
    async with serving(app) as base:
        host = base.removeprefix("http://")
        async with httpx.AsyncClient(base_url=base) as client:
            await sign_in(client, world.emails["chen"])
            cookie = f"hub_session={client.cookies['hub_session']}"
        try:
            async with websockets.connect(
                f"ws://{host}/inbox/live",
                additional_headers={"Cookie": cookie},
                origin=base,  # type: ignore[arg-type]
            ) as socket:
                await _next(socket, "hello")
                offer = await do_offer(ctx.store, conversation_id=queued, agent_id=chen, timeout_seconds=30)
                await settled()
                ringing = await _next(socket, "offer")
                assert (ringing["offer_id"], ringing["agent_id"], ringing["status"]) == (offer.offer_id, chen, "open")
                assert ringing["conversation_id"] == queued and ringing["expires_at"]

                await do_decline_offer(ctx.store, offer_id=offer.offer_id, agent_id=chen)
                await settled()
                over = await _next(socket, "offer")
                assert (over["offer_id"], over["status"], over["visible"]) == (offer.offer_id, "declined", False)
        finally:
            await app.state.live.aclose()

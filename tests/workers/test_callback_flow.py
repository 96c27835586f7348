"""An agent's call-back from the conversation page to Twilio (the Prism mock) and back: the click, the call job,
the Calls API request, Twilio's signed webhooks for the call, and what the conversation shows afterwards."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import httpx
from sqlalchemy import select

from channels.base import ChannelName, InboundMessage, OutboundMessage
from channels.phone import PhoneChannel
from channels.twilio_voice_agents import AgentTarget
from inbox.inbound_effects import CALLBACK_LABEL
from inbox.models import Conversation, Event, Message
from tests.support.factories import add_agent
from tests.support.jobs import JobDriver
from tests.support.twilio_hub import ACCOUNT_SID, HUB_NUMBER, PUBLIC_BASE, TwilioHub, twilio_hub, with_twilio
from tests.support.twilio_recorder import TwilioRecorder, twilio_recorder
from tests.support.web import csrf_from, password_hash, sign_in
from workers.channel_setup import twilio_config
from workers.context import JobContext

VOICE = "/channels/twilio/voice"
CUSTOMER = "+14155552345"
INBOUND_CALL = {
    "CallSid": "CA" + "6" * 32,
    "AccountSid": ACCOUNT_SID,
    "From": CUSTOMER,
    "To": HUB_NUMBER,
    "Direction": "inbound",
}
CUSTOMER_LEG = "CA" + "7" * 32


@dataclass
class Setup:
    hub: TwilioHub
    twilio: TwilioRecorder
    phone: PhoneChannel
    agent_id: int
    conversation_id: int


@asynccontextmanager
async def missed_call_held_by_chen(ctx: JobContext, jobs: JobDriver, prism_url: str) -> AsyncIterator[Setup]:
    """A customer hung up in the queue; the call-back item is Chen's, who is signed in."""
    agent_id = await add_agent(
        ctx, "Chen Jing", role="agent", password_hash=password_hash(), voice_identity="client:chen"
    )
    async with twilio_recorder(prism_url) as twilio, twilio_hub(ctx, twilio.url) as hub:
        config = twilio_config(with_twilio(ctx.settings, twilio.url))
        assert config is not None
        phone = PhoneChannel(config)
        ctx.channels.register(phone)
        try:
            await hub.post(f"{VOICE}/inbound", {**INBOUND_CALL, "CallStatus": "ringing"})
            await hub.post(f"{VOICE}/queue-result", {**INBOUND_CALL, "QueueResult": "hangup", "QueueTime": "40"})
            await jobs.drain()
            # Chen holds the call-back item, whether the router assigned it or offered it to be accepted.
            async with ctx.store.write() as session:
                conversation = (await session.execute(select(Conversation))).scalar_one()
                conversation.assignee_id = agent_id
            assert CALLBACK_LABEL in conversation.labels
            await sign_in(hub.client, "chen.jing@hub.example")
            yield Setup(hub, twilio, phone, agent_id, conversation.id)
        finally:
            await phone.aclose()


async def click_call_back(setup: Setup) -> httpx.Response:
    page = await setup.hub.client.get(f"/conversations/{setup.conversation_id}")
    assert page.status_code == 200
    assert f'action="/conversations/{setup.conversation_id}/callback"' in page.text
    assert "The customer is waiting for a call-back." in page.text
    return await setup.hub.client.post(
        f"/conversations/{setup.conversation_id}/callback", data={"csrf_token": csrf_from(page.text)}
    )


def path_and_query(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == PUBLIC_BASE
    return parts.path, dict(parse_qsl(parts.query))


def agent_leg(call_sid: str, **fields: str) -> dict[str, str]:
    """What Twilio posts about the call it placed: from the hub's number to the agent's client."""
    return {
        "CallSid": call_sid,
        "AccountSid": ACCOUNT_SID,
        "From": HUB_NUMBER,
        "To": "client:chen",
        "Direction": "outbound-api",
        **fields,
    }


async def conversation_messages(ctx: JobContext) -> list[Message]:
    async with ctx.store.read() as session:
        return list((await session.execute(select(Message).order_by(Message.id))).scalars())


async def conversation_row(ctx: JobContext, conversation_id: int) -> Conversation:
    async with ctx.store.read() as session:
        row = await session.get(Conversation, conversation_id)
    assert row is not None
    return row


async def test_a_call_back_from_the_page_bridges_agent_and_customer_and_is_logged(
    ctx: JobContext, jobs: JobDriver, prism_url: str
) -> None:
    async with missed_call_held_by_chen(ctx, jobs, prism_url) as setup:
        clicked = await click_call_back(setup)
        assert clicked.status_code == 303
        logged_id = int(clicked.headers["location"].rsplit("#message-", 1)[1])
        await jobs.drain()

        # The Calls API request: ring the agent's client, from the hub's number, bridge URL and status URL.
        [call] = setup.twilio.forms
        assert setup.twilio.failures == []
        assert (call["To"], call["From"]) == ("client:chen", HUB_NUMBER)
        bridge_path, bridge_query = path_and_query(call["Url"])
        status_path, status_query = path_and_query(call["StatusCallback"])
        expected = {"agent": str(setup.agent_id), "customer": CUSTOMER, "lang": "en", "message_id": str(logged_id)}
        assert (bridge_path, bridge_query) == (f"{VOICE}/bridge", expected)
        assert (status_path, status_query) == (f"{VOICE}/status", expected)
        [logged] = [m for m in await conversation_messages(ctx) if m.id == logged_id]
        call_sid = logged.details["call_sid"]
        assert call_sid.startswith("CA") and logged.external_id == f"call:{call_sid}:placed"
        assert logged.delivery_status == "sent"
        assert CALLBACK_LABEL not in (await conversation_row(ctx, setup.conversation_id)).labels

        # The agent answers: Twilio asks the bridge, which dials the customer; then the dial's outcome, then the
        # agent leg's final status.
        bridge = ET.fromstring((await setup.hub.post(bridge_path, agent_leg(call_sid), query=bridge_query)).text)
        dial = bridge.find("Dial")
        assert dial is not None and dial.findtext("Number") == CUSTOMER and dial.get("callerId") == HUB_NUMBER
        action_path, action_query = path_and_query(dial.get("action") or "")
        dialled = agent_leg(call_sid, DialCallStatus="completed", DialCallDuration="95", DialCallSid=CUSTOMER_LEG)
        assert (await setup.hub.post(action_path, dialled, query=action_query)).status_code == 200
        ended = agent_leg(call_sid, CallStatus="completed", CallDuration="131")
        assert (await setup.hub.post(status_path, ended, query=status_query)).status_code == 200

        page = await setup.hub.client.get(f"/conversations/{setup.conversation_id}")
    messages = await conversation_messages(ctx)
    assert {m.conversation_id for m in messages} == {setup.conversation_id}
    [logged] = [m for m in messages if m.id == logged_id]
    assert (logged.direction, logged.channel, logged.delivery_status) == ("outbound", "phone", "delivered")
    events = [m.text for m in messages if m.id > logged_id]
    assert events == [f"Call-back by agent {setup.agent_id} answered; talked 95 s", "Call ended after 131 s"]
    assert f"Call-back to {CUSTOMER} requested by Chen Jing" in page.text
    assert "talked 95 s" in page.text and "Call ended after 131 s" in page.text
    assert "The customer is waiting for a call-back." not in page.text
    async with ctx.store.read() as session:
        placed = (await session.execute(select(Event).where(Event.kind == "callback.placed"))).scalar_one()
    assert (placed.actor_agent_id, placed.conversation_id) == (setup.agent_id, setup.conversation_id)


class ReportsBeforeReturning:
    """The phone channel, with Twilio's status callback for the new call arriving before the job has recorded the
    call's SID (the API answer and the webhook race on a real network)."""

    name = ChannelName.PHONE

    def __init__(self, inner: PhoneChannel, setup: Setup, status: str) -> None:
        self.inner, self.setup, self.status = inner, setup, status

    def parse(self, raw: bytes) -> list[InboundMessage]:
        return self.inner.parse(raw)

    async def send(self, outbound: OutboundMessage) -> str:
        return await self.inner.send(outbound)

    async def place_callback_call(
        self, agent: AgentTarget, customer: str, language: str | None = None, *, message_id: int | None = None
    ) -> str:
        sid = await self.inner.place_callback_call(agent, customer, language, message_id=message_id)
        path, query = path_and_query(self.setup.twilio.forms[-1]["StatusCallback"])
        reported = await self.setup.hub.post(path, agent_leg(sid, CallStatus=self.status), query=query)
        assert reported.status_code == 200
        return sid


async def test_an_unanswered_call_back_reported_before_the_sid_was_recorded_keeps_the_item_open(
    ctx: JobContext, jobs: JobDriver, prism_url: str
) -> None:
    async with missed_call_held_by_chen(ctx, jobs, prism_url) as setup:
        ctx.channels.register(ReportsBeforeReturning(setup.phone, setup, "no-answer"))
        clicked = await click_call_back(setup)
        logged_id = int(clicked.headers["location"].rsplit("#message-", 1)[1])
        await jobs.drain()
        page = await setup.hub.client.get(f"/conversations/{setup.conversation_id}")
    messages = await conversation_messages(ctx)
    assert {m.conversation_id for m in messages} == {setup.conversation_id}
    [logged] = [m for m in messages if m.id == logged_id]
    call_sid = logged.details["call_sid"]
    assert logged.external_id == f"call:{call_sid}:placed"
    assert logged.delivery_status == "failed"
    assert logged.failure_reason == "The agent did not answer the call-back ring, so the customer was not called."
    [event] = [m for m in messages if m.id > logged_id]
    assert (event.text, event.details["call_sid"]) == ("No answer", call_sid)
    # Nobody was reached: the customer still waits for a call-back, and the page says so.
    assert CALLBACK_LABEL in (await conversation_row(ctx, setup.conversation_id)).labels
    assert "The customer is waiting for a call-back." in page.text
    assert "Not delivered: The agent did not answer the call-back ring" in page.text


async def test_a_customer_who_does_not_answer_the_call_back_is_still_waiting_for_one(
    ctx: JobContext, jobs: JobDriver, prism_url: str
) -> None:
    async with missed_call_held_by_chen(ctx, jobs, prism_url) as setup:
        await click_call_back(setup)
        await jobs.drain()
        [call] = setup.twilio.forms
        assert CALLBACK_LABEL not in (await conversation_row(ctx, setup.conversation_id)).labels
        bridge_path, bridge_query = path_and_query(call["Url"])
        call_sid = f"CA{1:032x}"  # the recording proxy's first fresh SID
        bridge = ET.fromstring((await setup.hub.post(bridge_path, agent_leg(call_sid), query=bridge_query)).text)
        dial = bridge.find("Dial")
        assert dial is not None
        action_path, action_query = path_and_query(dial.get("action") or "")
        unanswered = agent_leg(call_sid, DialCallStatus="no-answer", DialCallSid=CUSTOMER_LEG)
        goodbye = await setup.hub.post(action_path, unanswered, query=action_query)
        assert ET.fromstring(goodbye.text).find("Hangup") is not None
    messages = await conversation_messages(ctx)
    assert {m.conversation_id for m in messages} == {setup.conversation_id}
    assert messages[-1].text == f"Call-back by agent {setup.agent_id}: the customer did not answer (no-answer)"
    assert CALLBACK_LABEL in (await conversation_row(ctx, setup.conversation_id)).labels

"""An agent's call-back from the inbox, placed through the phone channel against the Twilio mocks."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from channels.base import ChannelName, MessageKind
from channels.phone import PhoneChannel
from inbox.actions.callback import CallbackRefused, do_request_callback
from inbox.actions.ingest import IngestOutcome
from inbox.inbound_effects import CALLBACK_LABEL
from inbox.models import Conversation, Event, Message
from tests.channels.conftest import FakeTwilio, make_config
from tests.support.factories import add_agent, inbound, ingest, update_contact
from tests.support.jobs import JobDriver
from workers.context import JobContext
from workers.jobs import callback

CUSTOMER = "+14155550100"  # the factories' SMS customer


async def message(ctx: JobContext, message_id: int) -> Message:
    async with ctx.store.read() as session:
        row = await session.get(Message, message_id)
    assert row is not None
    return row


async def sms_conversation(ctx: JobContext) -> IngestOutcome:
    """A customer's SMS conversation that is waiting for a call-back."""
    outcome = await ingest(ctx, inbound(ChannelName.SMS, "SM1"))
    async with ctx.store.write() as session:
        row = await session.get(Conversation, outcome.conversation_id)
        assert row is not None
        row.labels = [CALLBACK_LABEL]
    return outcome


async def test_a_callback_is_placed_through_twilio_and_logged_in_the_conversation(
    ctx: JobContext, jobs: JobDriver, prism_url: str
) -> None:
    ctx.channels.register(PhoneChannel(make_config(prism_url)))
    agent = await add_agent(ctx, "Chen Jing", voice_identity="client:chen")
    conversation_id = (await sms_conversation(ctx)).conversation_id
    requested = await do_request_callback(ctx.store, conversation_id=conversation_id, agent_id=agent)
    assert requested.customer == CUSTOMER
    await jobs.drain()
    logged = await message(ctx, requested.message_id)
    assert (logged.conversation_id, logged.channel, logged.kind) == (conversation_id, "phone", MessageKind.CALL_EVENT)
    assert logged.delivery_status == "sent"
    call_sid = logged.details["call_sid"]
    assert call_sid.startswith("CA") and logged.external_id == f"call:{call_sid}:placed"
    async with ctx.store.read() as session:
        conversation = await session.get(Conversation, conversation_id)
        placed = (await session.execute(select(Event).where(Event.kind == "callback.placed"))).scalar_one()
    assert conversation is not None and CALLBACK_LABEL not in conversation.labels
    assert placed.actor_agent_id == agent


async def test_the_call_rings_the_agent_and_bridges_to_the_customer_once(
    ctx: JobContext, jobs: JobDriver, fake_twilio: FakeTwilio
) -> None:
    ctx.channels.register(PhoneChannel(make_config(fake_twilio.url)))
    agent = await add_agent(ctx, "Chen Jing", voice_identity="+14155550123")
    waiting = await sms_conversation(ctx)
    await update_contact(ctx, waiting.contact_id, language="zh-CN")
    conversation_id = waiting.conversation_id
    fake_twilio.reply(201, {"sid": "CA" + "e" * 32, "status": "queued"})
    requested = await do_request_callback(ctx.store, conversation_id=conversation_id, agent_id=agent)
    await jobs.drain()
    await callback.run(ctx, {"message_id": requested.message_id})
    [(path, form)] = fake_twilio.requests
    assert path.endswith("/Calls.json")
    assert form["To"] == "+14155550123"
    assert "customer=%2B14155550100" in form["Url"] and "lang=zh-CN" in form["Url"]
    assert (await message(ctx, requested.message_id)).external_id == "call:" + "CA" + "e" * 32 + ":placed"


async def test_a_refused_call_leaves_the_reason_on_the_log_entry(
    ctx: JobContext, jobs: JobDriver, fake_twilio: FakeTwilio
) -> None:
    ctx.channels.register(PhoneChannel(make_config(fake_twilio.url)))
    agent = await add_agent(ctx, "Chen Jing", voice_identity="client:chen")
    conversation_id = (await sms_conversation(ctx)).conversation_id
    fake_twilio.reply(400, {"code": 21211, "message": "Invalid 'To' Phone Number", "status": 400})
    requested = await do_request_callback(ctx.store, conversation_id=conversation_id, agent_id=agent)
    await jobs.drain()
    logged = await message(ctx, requested.message_id)
    assert logged.delivery_status == "failed"
    assert logged.failure_reason == "The phone number is not valid. Check the number on the customer's record."


async def test_an_agent_without_a_phone_cannot_call_back(ctx: JobContext) -> None:
    agent = await add_agent(ctx, "No Phone")
    conversation_id = (await sms_conversation(ctx)).conversation_id
    with pytest.raises(CallbackRefused, match="no phone number or voice client"):
        await do_request_callback(ctx.store, conversation_id=conversation_id, agent_id=agent)


async def test_a_customer_who_opted_out_of_calls_is_not_called(ctx: JobContext) -> None:
    agent = await add_agent(ctx, "Chen Jing", voice_identity="client:chen")
    outcome = await ingest(ctx, inbound(ChannelName.SMS, "SM1"))
    await update_contact(ctx, outcome.contact_id, consent={"phone": False})
    with pytest.raises(CallbackRefused, match="opted out of phone"):
        await do_request_callback(ctx.store, conversation_id=outcome.conversation_id, agent_id=agent)


async def test_a_customer_without_a_number_is_not_called(ctx: JobContext) -> None:
    agent = await add_agent(ctx, "Chen Jing", voice_identity="client:chen")
    outcome = await ingest(ctx, inbound())
    with pytest.raises(CallbackRefused, match="no phone identity"):
        await do_request_callback(ctx.store, conversation_id=outcome.conversation_id, agent_id=agent)

"""SMS from Twilio's webhook to the store and back: the hub's web app with the Twilio routes on a real sink."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from channels.base import ChannelName
from channels.sms import SmsChannel
from channels.twilio_config import TwilioConfig
from inbox.actions.reply import ReplyRefused, do_reply
from inbox.models import Contact, Event, Message, Quarantine, RawPayload
from tests.support.jobs import JobDriver
from tests.support.twilio_hub import ACCOUNT_SID, AUTH_TOKEN, HUB_NUMBER, PUBLIC_BASE, twilio_hub
from workers.context import JobContext

INBOUND = "/channels/twilio/sms/inbound"
STATUS = "/channels/twilio/sms/status"
CUSTOMER = "+14155552345"


def sms(sid: str = "SM" + "7" * 32, body: str = "Is my table for four still booked?") -> dict[str, str]:
    return {"MessageSid": sid, "AccountSid": ACCOUNT_SID, "From": CUSTOMER, "To": HUB_NUMBER, "Body": body}


async def count(ctx: JobContext, model: type[object]) -> int:
    async with ctx.store.read() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_a_signed_sms_posted_five_times_is_stored_once(ctx: JobContext) -> None:
    async with twilio_hub(ctx) as hub:
        responses = await asyncio.gather(*(hub.post(INBOUND, sms()) for _ in range(5)))
    assert [response.status_code for response in responses] == [200] * 5
    async with ctx.store.read() as session:
        [stored] = (await session.execute(select(Message))).scalars().all()
    assert (stored.channel, stored.external_id, stored.text) == ("sms", "SM" + "7" * 32, sms()["Body"])
    assert await count(ctx, Contact) == 1


async def test_a_forged_sms_is_refused_and_leaves_no_trace(ctx: JobContext) -> None:
    async with twilio_hub(ctx) as hub:
        tampered = await hub.post(INBOUND, sms(body="Refund me"), signed_params=sms())
        unsigned = await hub.post(INBOUND, sms(), signature="")
        wrong_key = await hub.client.post(INBOUND, data=sms(), headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"})
    assert [r.status_code for r in (tampered, unsigned, wrong_key)] == [403, 403, 403]
    for model in (Message, Contact, RawPayload, Quarantine, Event):
        assert await count(ctx, model) == 0


async def test_after_stop_an_agent_reply_is_refused_with_the_reason(ctx: JobContext, jobs: JobDriver) -> None:
    async with twilio_hub(ctx) as hub:
        await hub.post(INBOUND, sms("SM" + "1" * 32, "Where is my order?"))
        stopped = await hub.post(INBOUND, sms("SM" + "2" * 32, "STOP"))
    assert stopped.status_code == 200
    async with ctx.store.read() as session:
        contact = (await session.execute(select(Contact))).scalar_one()
        conversation_id = (await session.execute(select(Message.conversation_id).limit(1))).scalar_one()
        changed = (await session.execute(select(Event).where(Event.kind == "consent.changed"))).scalar_one()
    assert contact.consent == {"sms": False}
    assert changed.data["source"] == "customer keyword"
    with pytest.raises(ReplyRefused, match="opted out of SMS"):
        await do_reply(ctx.store, conversation_id=conversation_id, agent_id=None, text="It ships today.")
    await jobs.drain()
    assert ctx.channels.get(ChannelName.SMS).sent == []  # type: ignore[attr-defined]


async def send_reply(ctx: JobContext, jobs: JobDriver, config: TwilioConfig) -> Message:
    """An agent's answer to the customer's text, sent through Twilio's API (the mock)."""
    ctx.channels.register(SmsChannel(config))
    async with twilio_hub(ctx) as hub:
        await hub.post(INBOUND, sms())
    async with ctx.store.read() as session:
        conversation_id = (await session.execute(select(Message.conversation_id))).scalar_one()
    outcome = await do_reply(ctx.store, conversation_id=conversation_id, agent_id=None, text="Yes, at 7 pm.")
    await jobs.drain()
    async with ctx.store.read() as session:
        sent = await session.get(Message, outcome.message_id)
    assert sent is not None and sent.delivery_status == "sent" and sent.external_id
    return sent


def twilio_api(url: str) -> TwilioConfig:
    return TwilioConfig(
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        public_base_url=PUBLIC_BASE,
        api_base_url=url,
        sms_from=HUB_NUMBER,
    )


async def test_a_status_callback_moves_a_sent_message_to_delivered(
    ctx: JobContext, jobs: JobDriver, prism_url: str
) -> None:
    sent = await send_reply(ctx, jobs, twilio_api(prism_url))
    status = {"MessageSid": str(sent.external_id), "MessageStatus": "delivered", "AccountSid": ACCOUNT_SID}
    async with twilio_hub(ctx) as hub:
        response = await hub.post(STATUS, status, query={"message_id": str(sent.id)})
    assert response.status_code == 200
    async with ctx.store.read() as session:
        delivered = await session.get(Message, sent.id)
    assert delivered is not None and delivered.delivery_status == "delivered"


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("21610", "The customer has opted out of SMS (they replied STOP)."),
        ("30003", "The customer's phone is unreachable (switched off or out of coverage)."),
    ],
)
async def test_a_failure_code_becomes_a_reason_the_agent_can_read(
    ctx: JobContext, jobs: JobDriver, prism_url: str, code: str, words: str
) -> None:
    sent = await send_reply(ctx, jobs, twilio_api(prism_url))
    status = {"MessageSid": str(sent.external_id), "MessageStatus": "undelivered", "ErrorCode": code}
    async with twilio_hub(ctx) as hub:
        await hub.post(STATUS, status, query={"message_id": str(sent.id)})
        # A late "sent" report must not hide the failure.
        await hub.post(STATUS, {**status, "MessageStatus": "sent", "ErrorCode": ""}, query={"message_id": str(sent.id)})
    async with ctx.store.read() as session:
        failed = await session.get(Message, sent.id)
    assert failed is not None
    assert failed.delivery_status == "failed"
    assert failed.failure_reason is not None and failed.failure_reason.startswith(words)
    assert failed.details["error_code"] == code

"""The SMS survey end to end: a text through Twilio's signed webhook, resolution, the survey sent through Twilio's
API (the mock), and the customer's bare digit back through the webhook taken as the answer."""

from __future__ import annotations

from sqlalchemy import select

from channels.sms import SmsChannel
from channels.twilio_config import TwilioConfig
from inbox.actions.status import do_set_status
from inbox.models import ComplaintCase, Conversation, Message, OutboxJob, Survey
from tests.support.jobs import JobDriver
from tests.support.twilio_hub import ACCOUNT_SID, AUTH_TOKEN, HUB_NUMBER, PUBLIC_BASE, twilio_hub
from workers.context import JobContext

INBOUND = "/channels/twilio/sms/inbound"
CUSTOMER = "+8613800138000"


def sms(sid: str, body: str) -> dict[str, str]:
    return {"MessageSid": sid, "AccountSid": ACCOUNT_SID, "From": CUSTOMER, "To": HUB_NUMBER, "Body": body}


async def test_a_texted_complaint_is_surveyed_by_sms_and_the_digit_reply_is_its_answer(
    ctx: JobContext, jobs: JobDriver, prism_url: str
) -> None:
    ctx.settings.satisfaction.delay_minutes = 0
    ctx.channels.register(
        SmsChannel(
            TwilioConfig(
                account_sid=ACCOUNT_SID,
                auth_token=AUTH_TOKEN,
                public_base_url=PUBLIC_BASE,
                api_base_url=prism_url,
                sms_from=HUB_NUMBER,
            )
        )
    )
    async with twilio_hub(ctx) as hub:
        assert (await hub.post(INBOUND, sms("SM" + "1" * 32, "订单晚了三天，我要投诉"))).status_code == 200
        async with ctx.store.read() as session:
            conversation = (await session.execute(select(Conversation))).scalar_one()
            case = (await session.execute(select(ComplaintCase))).scalar_one()
        assert conversation.is_complaint and case.signal == "投诉"
        await do_set_status(ctx.store, conversation_id=conversation.id, status="resolved", actor_agent_id=None)
        await jobs.drain()
        async with ctx.store.read() as session:
            survey = (await session.execute(select(Survey))).scalar_one()
            question = await session.get(Message, survey.message_id)
        assert question is not None and question.delivery_status == "sent" and question.recipient == CUSTOMER
        assert "1" in question.text and "5" in question.text
        assert (await hub.post(INBOUND, sms("SM" + "2" * 32, "5"))).status_code == 200
        await jobs.drain()
    async with ctx.store.read() as session:
        answered = (await session.execute(select(Survey))).scalar_one()
        still = await session.get(Conversation, conversation.id)
        reply = (await session.execute(select(Message).where(Message.external_id == "SM" + "2" * 32))).scalar_one()
        routes = (await session.execute(select(OutboxJob.key).where(OutboxJob.job == "route"))).scalars().all()
    assert answered.score == 5 and answered.complaint and answered.answered_via == "sms"
    assert still is not None and still.status == "resolved"
    assert reply.conversation_id == conversation.id and reply.text == "5"
    assert f"route:{reply.id}" not in routes

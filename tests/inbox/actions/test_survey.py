from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from channels.base import ChannelName, Identity, IdentityKind
from channels.registry import ChannelRegistry
from channels.webchat import Limits, WebchatChannel
from channels.webchat.ports import visitor_topic
from inbox.actions.customer_erase import do_erase_customer
from inbox.actions.remedy import do_record_remedy
from inbox.actions.status import do_set_status
from inbox.actions.survey import AnswerRefused, do_answer_survey
from inbox.models import ComplaintCase, Conversation, FollowUp, Message, OutboxJob, RemedyGiven, Survey, utcnow
from inbox.realtime import build_bus
from inbox.survey_links import survey_id_from
from tests.support.factories import add_agent, inbound, ingest, update_contact
from tests.support.jobs import JobDriver
from tests.support.recording_channel import RecordingChannel
from workers.context import JobContext
from workers.jobs import survey as survey_job


@pytest.fixture(autouse=True)
def _surveys_go_at_once(ctx: JobContext) -> None:
    ctx.settings.satisfaction.delay_minutes = 0
    ctx.settings.web.secret_key = SecretStr("survey-test-signing-key")


def _sent(channels: ChannelRegistry, channel: ChannelName) -> RecordingChannel:
    adapter = channels.get(channel)
    assert isinstance(adapter, RecordingChannel)
    return adapter


async def _surveys(ctx: JobContext) -> list[Survey]:
    async with ctx.store.read() as session:
        return list((await session.execute(select(Survey).order_by(Survey.id))).scalars().all())


async def _resolved(ctx: JobContext, conversation_id: int, agent_id: int | None = None) -> None:
    assert await do_set_status(ctx.store, conversation_id=conversation_id, status="resolved", actor_agent_id=agent_id)


async def test_a_resolved_email_conversation_gets_one_signed_survey_link(
    ctx: JobContext, jobs: JobDriver, channels: ChannelRegistry
) -> None:
    outcome = await ingest(ctx, inbound(text="Please move my booking."))
    agent = await add_agent(ctx)
    async with ctx.store.write() as session:
        conversation = await session.get(Conversation, outcome.conversation_id)
        assert conversation is not None
        conversation.assignee_id = agent
    await _resolved(ctx, outcome.conversation_id, agent)
    await jobs.drain()
    (survey,) = await _surveys(ctx)
    assert survey.status == "sent" and survey.channel == "email" and survey.agent_id == agent
    assert not survey.complaint and survey.language == "en"
    (email,) = _sent(channels, ChannelName.EMAIL).sent
    assert email.subject == "How did we do?" and email.to.value == "alice@example.com"
    token = email.text.split("/survey/", 1)[1].split()[0]
    assert survey_id_from(ctx.settings, token) == survey.id
    assert email.html is not None and f"/survey/{token}?score=5" in email.html
    assert survey_id_from(ctx.settings, token[:-2] + "xx") is None


async def test_the_survey_job_running_twice_sends_one_survey(
    ctx: JobContext, jobs: JobDriver, channels: ChannelRegistry
) -> None:
    outcome = await ingest(ctx, inbound(ChannelName.SMS, "SM1", text="Where is my parcel?"))
    await _resolved(ctx, outcome.conversation_id)
    async with ctx.store.read() as session:
        job = (await session.execute(select(OutboxJob).where(OutboxJob.job == "survey"))).scalar_one()
    await survey_job.run(ctx, dict(job.payload))
    await survey_job.run(ctx, dict(job.payload))
    await jobs.drain()
    assert len(await _surveys(ctx)) == 1
    async with ctx.store.read() as session:
        outbound = await session.execute(
            select(func.count()).select_from(Message).where(Message.direction == "outbound")
        )
    assert outbound.scalar_one() == 1
    (sms,) = _sent(channels, ChannelName.SMS).sent
    assert "Reply with a number from 1" in sms.text


async def test_an_sms_digit_answers_the_survey_without_reopening_or_routing(ctx: JobContext, jobs: JobDriver) -> None:
    first = await ingest(ctx, inbound(ChannelName.SMS, "SM1", text="我要退款，太慢了"))
    await update_contact(ctx, first.contact_id, language="zh-CN")
    await _resolved(ctx, first.conversation_id)
    await jobs.drain()
    (survey,) = await _surveys(ctx)
    assert survey.complaint and survey.language == "zh-CN"
    answer = await ingest(ctx, inbound(ChannelName.SMS, "SM2", text=" ４ "))
    assert answer.conversation_id == first.conversation_id and answer.created
    async with ctx.store.read() as session:
        conversation = await session.get(Conversation, first.conversation_id)
        message = await session.get(Message, answer.message_id)
        routes = (await session.execute(select(OutboxJob.key).where(OutboxJob.job == "route"))).scalars().all()
    assert conversation is not None and conversation.status == "resolved"
    assert message is not None and message.details["thread"] == "survey answer"
    assert f"route:{answer.message_id}" not in routes
    (survey,) = await _surveys(ctx)
    assert survey.score == 4 and survey.answered_via == "sms" and survey.answer_updates == 0
    await ingest(ctx, inbound(ChannelName.SMS, "SM3", text="5"))
    (survey,) = await _surveys(ctx)
    assert survey.score == 5 and survey.answer_updates == 1


async def test_a_digit_after_the_reply_window_is_an_ordinary_new_contact(ctx: JobContext, jobs: JobDriver) -> None:
    first = await ingest(ctx, inbound(ChannelName.SMS, "SM1", text="Hello"))
    await _resolved(ctx, first.conversation_id)
    await jobs.drain()
    async with ctx.store.write() as session:
        survey = (await session.execute(select(Survey))).scalar_one()
        survey.sent_at = utcnow() - timedelta(hours=ctx.settings.satisfaction.reply_window_hours + 1)
    late = await ingest(ctx, inbound(ChannelName.SMS, "SM2", text="3"))
    (survey,) = await _surveys(ctx)
    assert survey.score is None
    async with ctx.store.read() as session:
        conversation = await session.get(Conversation, late.conversation_id)
    assert conversation is not None and conversation.status == "open"


async def test_a_text_that_is_not_a_digit_reopens_as_usual(ctx: JobContext, jobs: JobDriver) -> None:
    first = await ingest(ctx, inbound(ChannelName.SMS, "SM1", text="Hello"))
    await _resolved(ctx, first.conversation_id)
    await jobs.drain()
    again = await ingest(ctx, inbound(ChannelName.SMS, "SM2", text="4 more questions please"))
    (survey,) = await _surveys(ctx)
    assert survey.score is None
    async with ctx.store.read() as session:
        conversation = await session.get(Conversation, again.conversation_id)
    assert conversation is not None and conversation.status == "open"


async def test_no_survey_for_an_opted_out_customer_or_a_reopened_conversation(
    ctx: JobContext, jobs: JobDriver, channels: ChannelRegistry
) -> None:
    opted = await ingest(ctx, inbound(ChannelName.SMS, "SM1", text="Hi"))
    await update_contact(ctx, opted.contact_id, consent={"sms": False})
    await _resolved(ctx, opted.conversation_id)
    reopened = await ingest(ctx, inbound(text="Question", external_id="q@example.com"))
    ctx.settings.satisfaction.delay_minutes = 60
    await _resolved(ctx, reopened.conversation_id)
    assert await do_set_status(ctx.store, conversation_id=reopened.conversation_id, status="open", actor_agent_id=None)
    async with ctx.store.write() as session:
        for job in (await session.execute(select(OutboxJob).where(OutboxJob.job == "survey"))).scalars():
            job.run_after = utcnow()
    await jobs.drain()
    (survey,) = await _surveys(ctx)
    assert survey.status == "skipped" and survey.skip_reason == "the customer opted out of SMS"
    assert survey.conversation_id == opted.conversation_id
    assert _sent(channels, ChannelName.SMS).sent == [] and _sent(channels, ChannelName.EMAIL).sent == []


async def test_the_survey_page_answer_updates_within_the_window_and_never_duplicates(
    ctx: JobContext, jobs: JobDriver
) -> None:
    outcome = await ingest(ctx, inbound())
    await _resolved(ctx, outcome.conversation_id)
    await jobs.drain()
    (survey,) = await _surveys(ctx)
    await do_answer_survey(ctx.store, survey_id=survey.id, score=2, comment="Slow answer", via="link")
    answered = await do_answer_survey(ctx.store, survey_id=survey.id, score=4, comment="", via="link")
    assert answered.score == 4 and answered.comment == "Slow answer" and answered.answer_updates == 1
    with pytest.raises(AnswerRefused, match="pick"):
        await do_answer_survey(ctx.store, survey_id=survey.id, score=6, comment=None, via="link")
    async with ctx.store.write() as session:
        stored = await session.get(Survey, survey.id)
        assert stored is not None
        stored.answer_until = utcnow() - timedelta(minutes=1)
    with pytest.raises(AnswerRefused, match="expired"):
        await do_answer_survey(ctx.store, survey_id=survey.id, score=1, comment=None, via="link")
    assert len(await _surveys(ctx)) == 1


async def test_a_chat_survey_shows_a_card_and_the_tapped_digit_answers_it(ctx: JobContext, jobs: JobDriver) -> None:
    bus = build_bus(ctx.settings)
    ctx.channels.register(WebchatChannel(bus, Limits(max_text_chars=4000, max_upload_bytes=1024 * 1024)))
    visitor = Identity(IdentityKind.WEBCHAT, "visitor-7")
    first = await ingest(ctx, inbound(ChannelName.WEBCHAT, "visitor-7:c1", sender=visitor, text="Hi there"))
    await _resolved(ctx, first.conversation_id)
    feed = await bus.subscribe(visitor_topic("visitor-7"))
    try:
        await jobs.drain()
        card = None
        for _ in range(20):
            event = await asyncio.wait_for(feed.get(), timeout=5)
            if event is not None and event.get("type") == "survey.requested":
                card = event
                break
    finally:
        await feed.close()
        await bus.aclose()
    (survey,) = await _surveys(ctx)
    assert card is not None and card["survey"] == survey.id and "/survey/" in str(card["url"])
    await ingest(ctx, inbound(ChannelName.WEBCHAT, "visitor-7:c2", sender=visitor, text="5"))
    (survey,) = await _surveys(ctx)
    assert survey.score == 5 and survey.answered_via == "webchat"


async def test_erasing_the_customer_takes_their_survey_answers_and_remedy_notes(
    ctx: JobContext, jobs: JobDriver
) -> None:
    outcome = await ingest(ctx, inbound(text="I want a refund"))
    await do_record_remedy(
        ctx.store,
        ctx.settings.recovery,
        conversation_id=outcome.conversation_id,
        agent_id=None,
        remedy="refund",
        note="refunded to card ending 4242",
    )
    await _resolved(ctx, outcome.conversation_id)
    await jobs.drain()
    (survey,) = await _surveys(ctx)
    await do_answer_survey(ctx.store, survey_id=survey.id, score=1, comment="My name is Alice Smith", via="link")
    await do_erase_customer(ctx.store, ctx.blobs, outcome.contact_id, actor_agent_id=None)
    async with ctx.store.read() as session:
        for model in (Survey, RemedyGiven, ComplaintCase, FollowUp):
            assert (await session.execute(select(func.count()).select_from(model))).scalar_one() == 0, model

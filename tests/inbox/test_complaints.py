from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from channels.base import ChannelName
from inbox.actions.ingest import do_ingest_batch
from inbox.complaints import signal_matcher
from inbox.models import ComplaintCase, Conversation, Event
from inbox.settings import RecoverySection, load_settings
from tests.support.factories import inbound, ingest
from workers.context import JobContext


def test_english_signals_match_whole_words_in_any_case() -> None:
    matcher = signal_matcher(RecoverySection())
    assert matcher.first("I want a REFUND now") == "refund"
    assert matcher.first("My lawyer will call.") == "lawyer"
    assert matcher.first("I will complain to the regulator") == "complain"
    assert matcher.first("Your refunded amount arrived, thanks") is None
    assert matcher.first("a complainant") is None
    assert matcher.first("no signal here") is None


def test_chinese_signals_match_inside_unspaced_text() -> None:
    matcher = signal_matcher(RecoverySection())
    assert matcher.first("我要投诉你们的服务") == "投诉"
    assert matcher.first("请尽快退款") == "退款"
    assert matcher.first("我已经联系了律师和消协") == "律师"
    assert matcher.first("再不处理就去网上曝光") == "曝光"
    # English next to Chinese characters still counts as a whole word.
    assert matcher.first("我要refund") == "refund"
    assert matcher.first("谢谢你们的帮助") is None


def test_signals_are_configurable() -> None:
    matcher = signal_matcher(RecoverySection(signals_en=["chargeback"], signals_zh=["差评"]))
    assert matcher.first("I filed a chargeback") == "chargeback"
    assert matcher.first("给你们差评") == "差评"
    assert matcher.first("I want a refund") is None


async def _case(ctx: JobContext, conversation_id: int) -> ComplaintCase | None:
    async with ctx.store.read() as session:
        found = await session.execute(select(ComplaintCase).where(ComplaintCase.conversation_id == conversation_id))
        return found.scalar_one_or_none()


async def test_a_chinese_complaint_flags_the_conversation_and_starts_the_recovery_clock(ctx: JobContext) -> None:
    outcome = await ingest(ctx, inbound(ChannelName.SMS, "SM1", text="你们的房间太脏了，我要投诉！"))
    case = await _case(ctx, outcome.conversation_id)
    assert case is not None and case.signal == "投诉" and case.message_id == outcome.message_id
    assert case.recovered_at is None
    assert case.recovery_due_at - case.detected_at == timedelta(hours=ctx.settings.recovery.recovery_sla_hours)
    async with ctx.store.read() as session:
        conversation = await session.get(Conversation, outcome.conversation_id)
        event = (await session.execute(select(Event).where(Event.kind == "complaint.detected"))).scalar_one()
    assert conversation is not None and conversation.is_complaint
    assert conversation.resolution_due_at == case.recovery_due_at
    assert event.data["signal"] == "投诉" and event.conversation_id == outcome.conversation_id


async def test_ordinary_messages_and_auto_replies_flag_nothing(ctx: JobContext) -> None:
    plain = await ingest(ctx, inbound(text="Please move my booking to Friday."))
    robot = await ingest(
        ctx,
        inbound(
            external_id="auto@example.com",
            sender=None,
            text="Out of office: your complaint will be read on Monday.",
            is_automatic=True,
        ),
    )
    for outcome in (plain, robot):
        assert await _case(ctx, outcome.conversation_id) is None
        async with ctx.store.read() as session:
            conversation = await session.get(Conversation, outcome.conversation_id)
        assert conversation is not None and not conversation.is_complaint


async def test_a_second_signal_keeps_one_case_and_one_event(ctx: JobContext) -> None:
    first = await ingest(ctx, inbound(ChannelName.SMS, "SM1", text="I want a refund"))
    await ingest(ctx, inbound(ChannelName.SMS, "SM2", text="Refund me or I call my lawyer"))
    async with ctx.store.read() as session:
        cases = (await session.execute(select(ComplaintCase))).scalars().all()
        events = (await session.execute(select(Event).where(Event.kind == "complaint.detected"))).scalars().all()
    assert [c.conversation_id for c in cases] == [first.conversation_id]
    assert cases[0].signal == "refund" and len(events) == 1


async def test_one_batch_flags_each_conversation_once(ctx: JobContext) -> None:
    messages = [
        inbound(ChannelName.SMS, "SMa", text="退款！"),
        inbound(ChannelName.SMS, "SMb", text="还要投诉"),
        inbound(text="A lawyer letter follows", external_id="law@example.com"),
        inbound(text="Just a question", external_id="q@example.com", sender=None),
    ]
    results = await do_ingest_batch(ctx.store, ctx.blobs, ctx.settings, messages)
    async with ctx.store.read() as session:
        cases = (await session.execute(select(ComplaintCase).order_by(ComplaintCase.id))).scalars().all()
    flagged = {case.conversation_id: case.signal for case in cases}
    sms_conversation = results[0].conversation_id  # type: ignore[union-attr]
    email_conversation = results[2].conversation_id  # type: ignore[union-attr]
    assert flagged == {sms_conversation: "退款", email_conversation: "lawyer"}


async def test_detection_can_be_switched_off(ctx: JobContext) -> None:
    settings = load_settings(
        database={"url": ctx.settings.database.url},
        hub={"data_dir": str(ctx.settings.hub.data_dir)},
        jobs=ctx.settings.jobs.model_dump(),
        recovery={"enabled": False},
    )
    from inbox.actions.ingest import do_ingest

    outcome = await do_ingest(ctx.store, ctx.blobs, settings, inbound(text="I want a refund"))
    assert await _case(ctx, outcome.conversation_id) is None

"""Missed and abandoned calls become call-back work: a label, an audit event, and a routed conversation."""

from __future__ import annotations

from sqlalchemy import func, select

from channels.base import InboundMessage
from channels.twilio_call_events import call_event, call_status_event
from inbox.inbound_effects import CALLBACK_LABEL
from inbox.models import Conversation, ConversationStatus, Event, OutboxJob
from tests.support.factories import add_agent, ingest
from tests.support.jobs import JobDriver
from workers.context import JobContext

CALLER = "+14155552345"
CALL = {"CallSid": "CA" + "5" * 32, "From": CALLER, "To": "+14155550100", "Direction": "inbound"}


def ringing() -> InboundMessage:
    return call_status_event({**CALL, "CallStatus": "ringing"}, {}, "US")


def abandoned() -> InboundMessage:
    return call_event(
        CALL,
        event="abandoned",
        text="Caller hung up after waiting 40 s in the queue",
        customer=CALLER,
        region="US",
        extra={"queue_seconds": "40", "missed": "true"},
        id_suffix="queue:abandoned",
    )


def agent_did_not_answer() -> InboundMessage:
    return call_event(
        CALL,
        event="dial-no-answer",
        text="Agent 7 did not take the call (no-answer)",
        customer=CALLER,
        region="US",
        extra={"agent": "7", "dial_status": "no-answer", "missed": "true"},
        id_suffix="dial:7:no-answer",
    )


async def conversation(ctx: JobContext, conversation_id: int) -> Conversation:
    async with ctx.store.read() as session:
        row = await session.get(Conversation, conversation_id)
    assert row is not None
    return row


async def count(ctx: JobContext, kind: str) -> int:
    async with ctx.store.read() as session:
        result = await session.execute(select(func.count()).select_from(Event).where(Event.kind == kind))
    return int(result.scalar_one())


async def test_an_abandoned_call_asks_for_a_callback_and_is_routed(ctx: JobContext, jobs: JobDriver) -> None:
    agent = await add_agent(ctx, "Chen Jing", presence="online")
    first = await ingest(ctx, ringing())
    missed = await ingest(ctx, abandoned())
    assert missed.conversation_id == first.conversation_id
    row = await conversation(ctx, missed.conversation_id)
    assert row.labels == [CALLBACK_LABEL]
    assert row.status == ConversationStatus.OPEN.value
    async with ctx.store.read() as session:
        event = (await session.execute(select(Event).where(Event.kind == "callback.requested"))).scalar_one()
        job = (
            await session.execute(select(OutboxJob).where(OutboxJob.key == f"route:{missed.message_id}"))
        ).scalar_one()
    assert event.conversation_id == missed.conversation_id
    assert event.data["message_id"] == missed.message_id
    assert job.payload["conversation_id"] == missed.conversation_id
    await jobs.drain()
    assert (await conversation(ctx, missed.conversation_id)).assignee_id == agent


async def test_the_same_missed_call_reported_twice_asks_once(ctx: JobContext) -> None:
    await ingest(ctx, abandoned())
    again = await ingest(ctx, abandoned())
    assert again.created is False
    assert (await conversation(ctx, again.conversation_id)).labels == [CALLBACK_LABEL]
    assert await count(ctx, "callback.requested") == 1


async def test_a_resolved_conversation_is_reopened_by_a_missed_call(ctx: JobContext) -> None:
    first = await ingest(ctx, ringing())
    async with ctx.store.write() as session:
        row = await session.get(Conversation, first.conversation_id)
        assert row is not None
        row.status = ConversationStatus.RESOLVED.value
    await ingest(ctx, abandoned())
    assert (await conversation(ctx, first.conversation_id)).status == ConversationStatus.OPEN.value


async def test_an_agent_missing_the_ring_does_not_ask_for_a_callback(ctx: JobContext) -> None:
    # The caller goes back to the queue; what happens next is reported by a later event.
    outcome = await ingest(ctx, agent_did_not_answer())
    assert (await conversation(ctx, outcome.conversation_id)).labels == []
    assert await count(ctx, "callback.requested") == 0


async def test_a_call_back_the_customer_did_not_answer_asks_again(ctx: JobContext) -> None:
    form = {**CALL, "Direction": "outbound-api", "CallStatus": "no-answer", "To": CALLER, "From": "+14155550100"}
    outcome = await ingest(ctx, call_status_event(form, {"customer": CALLER, "agent": "7"}, "US"))
    assert (await conversation(ctx, outcome.conversation_id)).labels == [CALLBACK_LABEL]

"""Committed changes reach the bus after the commit; rolled-back ones never do; a store without a bus pays nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy import insert

from inbox import audit
from inbox.actions.delivery import do_mark_failed, do_mark_sent
from inbox.actions.presence import do_set_presence
from inbox.actions.reply import do_reply
from inbox.actions.status import do_set_status
from inbox.actions.transfer import do_assign_manually
from inbox.models import Event as AuditEvent
from inbox.realtime import INBOX_TOPIC, Subscription
from inbox.realtime.changes import attach_bus, detach_bus, settled
from tests.support.buses import NamespacedBus, backend_bus
from tests.support.factories import add_agent, inbound, ingest
from workers.context import JobContext

# Only stops a hung test; nothing here measures speed.
HANG_GUARD = 30.0
END = {"type": "end of test events"}


@dataclass
class Heard:
    bus: NamespacedBus
    subscription: Subscription


@pytest.fixture
async def heard(ctx: JobContext) -> AsyncIterator[Heard]:
    bus = backend_bus(ctx.settings)
    attach_bus(ctx.store, bus)
    subscription = await bus.subscribe(INBOX_TOPIC)
    yield Heard(bus, subscription)
    detach_bus(ctx.store)
    await bus.aclose()


async def _events(heard: Heard) -> list[dict[str, object]]:
    """The events published since the last call: once the committed changes are out, a last event published
    after them marks the end (a topic's events arrive in the order they were published)."""
    await settled()
    await heard.bus.publish(INBOX_TOPIC, END)
    found: list[dict[str, object]] = []
    while True:
        event = await asyncio.wait_for(heard.subscription.get(), timeout=HANG_GUARD)
        assert event is not None
        if dict(event) == END:
            return found
        found.append(dict(event))


async def test_assignment_status_reply_note_and_presence_are_announced(ctx: JobContext, heard: Heard) -> None:
    agent = await add_agent(ctx, "Chen Jing", presence="offline")
    outcome = await ingest(ctx, inbound(external_id="a@example.com", text="Where is my refund?"))
    conversation = outcome.conversation_id
    await _events(heard)

    await do_assign_manually(ctx.store, conversation_id=conversation, agent_id=agent, actor_agent_id=agent)
    await do_reply(ctx.store, conversation_id=conversation, agent_id=agent, text="It left  today.\nRegards")
    await do_reply(ctx.store, conversation_id=conversation, agent_id=agent, text="check the bank", note=True)
    await do_set_status(ctx.store, conversation_id=conversation, status="pending", actor_agent_id=agent)
    await do_set_presence(ctx.store, agent_id=agent, presence="online", actor_agent_id=agent)

    events = await _events(heard)
    assert [event["type"] for event in events] == [
        "conversation.assigned",
        "message.created",
        "message.created",
        "conversation.status",
        "presence",
    ]
    assigned, reply, note, status, presence = events
    assert (assigned["conversation_id"], assigned["assignee_id"], assigned["before_assignee_id"]) == (
        conversation,
        agent,
        None,
    )
    assert (reply["direction"], reply["channel"], reply["preview"]) == ("outbound", "email", "It left today. Regards")
    assert (note["direction"], note["channel"]) == ("internal", "note")
    assert (status["before"], status["status"]) == ("open", "pending")
    assert (presence["agent_id"], presence["before"], presence["presence"]) == (agent, "offline", "online")


async def test_a_change_that_rolls_back_is_never_announced(ctx: JobContext, heard: Heard) -> None:
    agent = await add_agent(ctx)

    async def failing_unit_of_work() -> None:
        async with ctx.store.write() as session:
            audit.record(session, "agent.presence_changed", agent_id=agent, before="online", after="away")
            await session.flush()
            raise RuntimeError("the unit of work fails after its audit row was flushed")

    with pytest.raises(RuntimeError):
        await failing_unit_of_work()
    assert await _events(heard) == []


async def test_nothing_is_announced_for_a_store_without_a_bus(ctx: JobContext) -> None:
    bus = backend_bus(ctx.settings)
    listening = Heard(bus, await bus.subscribe(INBOX_TOPIC))
    agent = await add_agent(ctx, presence="offline")
    await do_set_presence(ctx.store, agent_id=agent, presence="online")
    assert await _events(listening) == []
    await bus.aclose()


async def test_a_reply_leaving_or_failing_is_announced(ctx: JobContext, heard: Heard) -> None:
    outcome = await ingest(ctx, inbound(external_id="b@example.com"))
    sent = await do_reply(ctx.store, conversation_id=outcome.conversation_id, agent_id=None, text="One")
    failed = await do_reply(ctx.store, conversation_id=outcome.conversation_id, agent_id=None, text="Two")
    await _events(heard)

    # What the send job records once the channel has answered.
    await do_mark_sent(ctx.store, sent.message_id, "<one@hub.test>")
    await do_mark_failed(ctx.store, failed.message_id, "550 User unknown")

    events = await _events(heard)
    assert [(e["type"], e["message_id"], e["status"]) for e in events] == [
        ("delivery", sent.message_id, "sent"),
        ("delivery", failed.message_id, "failed"),
    ]
    assert events[1]["reason"] == "550 User unknown"
    assert {e["conversation_id"] for e in events} == {outcome.conversation_id}


async def test_audit_rows_written_in_one_statement_are_announced_too(ctx: JobContext, heard: Heard) -> None:
    agent = await add_agent(ctx)
    first = await ingest(ctx, inbound(external_id="c1@example.com"))
    second = await ingest(ctx, inbound(external_id="c2@example.com"))
    await _events(heard)
    rows = [
        {"kind": "routing.decision", "conversation_id": c, "data": {"agent_id": agent, "assigned": True}}
        for c in (first.conversation_id, second.conversation_id)
    ]
    async with ctx.store.write() as session:
        await session.execute(insert(AuditEvent), [*rows, {"kind": "message.received", "data": {}}])
    events = await _events(heard)
    assert [(e["type"], e["conversation_id"], e["assignee_id"]) for e in events] == [
        ("conversation.assigned", first.conversation_id, agent),
        ("conversation.assigned", second.conversation_id, agent),
    ]

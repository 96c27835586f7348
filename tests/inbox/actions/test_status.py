from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from inbox.actions.status import StatusRefused, do_set_status
from inbox.models import Conversation, Event, utcnow
from tests.support.factories import inbound, ingest
from workers.context import JobContext


async def _conversation(ctx: JobContext, conversation_id: int) -> Conversation:
    async with ctx.store.read() as session:
        found = await session.get(Conversation, conversation_id)
    assert found is not None
    return found


async def test_resolving_then_reopening_is_audited(ctx: JobContext) -> None:
    conversation_id = (await ingest(ctx, inbound())).conversation_id
    assert await do_set_status(ctx.store, conversation_id=conversation_id, status="resolved", actor_agent_id=None)
    assert (await _conversation(ctx, conversation_id)).resolved_at is not None
    assert not await do_set_status(ctx.store, conversation_id=conversation_id, status="resolved", actor_agent_id=None)
    assert await do_set_status(ctx.store, conversation_id=conversation_id, status="open", actor_agent_id=None)
    reopened = await _conversation(ctx, conversation_id)
    assert reopened.status == "open" and reopened.resolved_at is None
    async with ctx.store.read() as session:
        events = (await session.execute(select(Event).where(Event.kind == "conversation.status_changed"))).scalars()
        assert [(e.data["before"], e.data["after"]) for e in events] == [("open", "resolved"), ("resolved", "open")]


async def test_snoozing_needs_a_future_time(ctx: JobContext) -> None:
    conversation_id = (await ingest(ctx, inbound())).conversation_id
    with pytest.raises(StatusRefused, match="future"):
        await do_set_status(ctx.store, conversation_id=conversation_id, status="snoozed", actor_agent_id=None)
    until = utcnow() + timedelta(hours=4)
    await do_set_status(
        ctx.store, conversation_id=conversation_id, status="snoozed", actor_agent_id=None, snoozed_until=until
    )
    assert (await _conversation(ctx, conversation_id)).snoozed_until == until


async def test_unknown_statuses_and_conversations_are_refused(ctx: JobContext) -> None:
    conversation_id = (await ingest(ctx, inbound())).conversation_id
    with pytest.raises(StatusRefused, match="one of"):
        await do_set_status(ctx.store, conversation_id=conversation_id, status="closed", actor_agent_id=None)
    with pytest.raises(StatusRefused, match="does not exist"):
        await do_set_status(ctx.store, conversation_id=999_999, status="open", actor_agent_id=None)

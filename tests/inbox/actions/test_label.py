from __future__ import annotations

import pytest
from sqlalchemy import select

from inbox.actions.label import LabelRefused, do_add_label, do_remove_label
from inbox.models import Conversation, Event
from tests.support.web import build_world
from workers.context import JobContext


async def test_labels_are_added_once_removed_and_audited(ctx: JobContext) -> None:
    world = await build_world(ctx)
    conversation_id, actor = world.conversations["chen_own"], world.people["chen"]
    assert await do_add_label(ctx.store, conversation_id=conversation_id, label="  vip   guest ", actor_agent_id=actor)
    assert not await do_add_label(ctx.store, conversation_id=conversation_id, label="vip guest", actor_agent_id=actor)
    assert await do_add_label(ctx.store, conversation_id=conversation_id, label="退款", actor_agent_id=actor)
    assert await do_remove_label(ctx.store, conversation_id=conversation_id, label="vip guest", actor_agent_id=actor)
    assert not await do_remove_label(ctx.store, conversation_id=conversation_id, label="absent", actor_agent_id=actor)
    async with ctx.store.read() as session:
        conversation = await session.get(Conversation, conversation_id)
        assert conversation is not None and conversation.labels == ["退款"]
        events = (await session.execute(select(Event).where(Event.kind == "conversation.labels_changed"))).scalars()
        assert [(e.data["before"], e.data["after"]) for e in events] == [
            ([], ["vip guest"]),
            (["vip guest"], ["vip guest", "退款"]),
            (["vip guest", "退款"], ["退款"]),
        ]


@pytest.mark.parametrize("bad", ["", "   ", "a,b", "<b>", "x" * 41])
async def test_unusable_labels_are_refused(ctx: JobContext, bad: str) -> None:
    world = await build_world(ctx)
    with pytest.raises(LabelRefused):
        await do_add_label(ctx.store, conversation_id=world.conversations["chen_own"], label=bad, actor_agent_id=None)

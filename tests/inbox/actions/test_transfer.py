from __future__ import annotations

import pytest
from sqlalchemy import select

from inbox.actions.transfer import TransferRefused, do_assign_manually
from inbox.models import Conversation, Event
from tests.support.web import build_world
from workers.context import JobContext


async def test_assigning_to_an_agent_files_it_under_their_team(ctx: JobContext) -> None:
    world = await build_world(ctx)
    conversation_id = world.conversations["shared_queue"]
    await do_assign_manually(
        ctx.store, conversation_id=conversation_id, agent_id=world.people["zhao"], actor_agent_id=world.people["root"]
    )
    async with ctx.store.read() as session:
        conversation = await session.get(Conversation, conversation_id)
        event = (await session.execute(select(Event).where(Event.kind == "conversation.assigned"))).scalar_one()
    assert conversation is not None
    assert (conversation.assignee_id, conversation.team_id) == (world.people["zhao"], world.teams["Billing"])
    assert event.actor_agent_id == world.people["root"]
    assert event.data["before"] == {"agent_id": None, "team_id": None} and event.data["manual"] is True


async def test_back_to_a_teams_queue(ctx: JobContext) -> None:
    world = await build_world(ctx)
    conversation_id = world.conversations["chen_own"]
    await do_assign_manually(
        ctx.store, conversation_id=conversation_id, agent_id=None, team_id=world.teams["Billing"], actor_agent_id=None
    )
    async with ctx.store.read() as session:
        conversation = await session.get(Conversation, conversation_id)
    assert conversation is not None and conversation.assignee_id is None
    assert conversation.team_id == world.teams["Billing"]


async def test_no_conversation_goes_to_a_marketer_or_a_missing_team(ctx: JobContext) -> None:
    world = await build_world(ctx)
    conversation_id = world.conversations["chen_own"]
    with pytest.raises(TransferRefused, match="cannot take"):
        await do_assign_manually(
            ctx.store, conversation_id=conversation_id, agent_id=world.people["mia"], actor_agent_id=None
        )
    with pytest.raises(TransferRefused, match="team"):
        await do_assign_manually(
            ctx.store, conversation_id=conversation_id, agent_id=None, team_id=999_999, actor_agent_id=None
        )


async def test_no_change_writes_no_event(ctx: JobContext) -> None:
    world = await build_world(ctx)
    conversation_id = world.conversations["chen_own"]
    await do_assign_manually(
        ctx.store, conversation_id=conversation_id, agent_id=world.people["chen"], actor_agent_id=None
    )
    async with ctx.store.read() as session:
        assert (await session.execute(select(Event).where(Event.kind == "conversation.assigned"))).first() is None

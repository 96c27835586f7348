from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from inbox.actions.agents import AgentRefused, do_add_agent, do_set_password
from inbox.models import Agent, Event
from inbox.passwords import verify_password
from workers.context import JobContext


async def test_an_agent_is_created_with_a_hashed_password_and_teams(ctx: JobContext) -> None:
    agent_id = await do_add_agent(
        ctx.store, email="Ann@Hub.Example", name="Ann", role="supervisor", password="a long password", teams=["VIP"]
    )
    async with ctx.store.read() as session:
        agent = (
            await session.execute(select(Agent).where(Agent.id == agent_id).options(selectinload(Agent.teams)))
        ).scalar_one()
        kinds = list((await session.execute(select(Event.kind).order_by(Event.id))).scalars())
    assert agent.email == "ann@hub.example" and agent.role == "supervisor"
    assert [team.name for team in agent.teams] == ["VIP"]
    assert verify_password(agent.password_hash, "a long password")
    assert kinds == ["team.created", "agent.created"]
    with pytest.raises(AgentRefused, match="already exists"):
        await do_add_agent(ctx.store, email="ann@hub.example", name="Ann", role="agent", password="a long password")


async def test_bad_roles_and_addresses_are_refused(ctx: JobContext) -> None:
    with pytest.raises(AgentRefused, match="role"):
        await do_add_agent(ctx.store, email="x@hub.example", name="X", role="owner", password="a long password")
    with pytest.raises(AgentRefused, match="email"):
        await do_add_agent(ctx.store, email="x", name="X", role="agent", password="a long password")


async def test_setting_a_password_replaces_the_old_one(ctx: JobContext) -> None:
    agent_id = await do_add_agent(ctx.store, email="b@hub.example", name="B", role="agent", password="first password")
    await do_set_password(ctx.store, agent_id=agent_id, password="second password", actor_agent_id=None)
    async with ctx.store.read() as session:
        agent = await session.get(Agent, agent_id)
    assert agent is not None
    assert verify_password(agent.password_hash, "second password")
    assert not verify_password(agent.password_hash, "first password")

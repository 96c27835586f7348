from __future__ import annotations

from sqlalchemy import select

from inbox.actions.sign_in import do_sign_in
from inbox.models import Agent, Event
from inbox.passwords import password_version
from tests.support.web import PASSWORD, build_world
from workers.context import JobContext


async def test_the_right_password_signs_in_and_is_audited(ctx: JobContext) -> None:
    world = await build_world(ctx)
    signed = await do_sign_in(ctx.store, email="CHEN@hub.example", password=PASSWORD, address="10.0.0.1")
    assert signed is not None and signed.agent_id == world.people["chen"]
    async with ctx.store.read() as session:
        agent = await session.get(Agent, world.people["chen"])
        event = (await session.execute(select(Event).where(Event.kind == "agent.signed_in"))).scalar_one()
    assert agent is not None and signed.password_version == password_version(agent.password_hash)
    assert event.data == {"address": "10.0.0.1"}


async def test_failures_are_audited_and_switched_off_accounts_refused(ctx: JobContext) -> None:
    world = await build_world(ctx)
    assert await do_sign_in(ctx.store, email="chen@hub.example", password="wrong", address="10.0.0.1") is None
    async with ctx.store.write() as session:
        agent = await session.get(Agent, world.people["marcus"])
        assert agent is not None
        agent.active = False
    assert await do_sign_in(ctx.store, email="marcus@hub.example", password=PASSWORD, address="10.0.0.1") is None
    async with ctx.store.read() as session:
        failures = (await session.execute(select(Event).where(Event.kind == "agent.sign_in_failed"))).scalars().all()
    assert [e.actor_agent_id for e in failures] == [world.people["chen"], world.people["marcus"]]

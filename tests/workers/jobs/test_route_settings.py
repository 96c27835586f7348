"""The route job follows the [routing] settings: the selection strategy, and which channels are offered."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from channels.base import ChannelName, Identity, IdentityKind
from inbox.models import Agent, Conversation, RoutingOffer, utcnow
from inbox.routing_settings import RoutingSection
from tests.support.factories import add_agent, inbound, ingest
from tests.support.jobs import JobDriver
from workers.context import JobContext


async def _email(ctx: JobContext, number: int) -> int:
    sender = Identity(IdentityKind.EMAIL, f"customer{number}@example.com")
    return (await ingest(ctx, inbound(external_id=f"m{number}@example.com", sender=sender))).conversation_id


async def _assignee(ctx: JobContext, conversation_id: int) -> int | None:
    async with ctx.store.read() as session:
        row = await session.get(Conversation, conversation_id)
        assert row is not None
        return row.assignee_id


async def _offers(ctx: JobContext) -> int:
    async with ctx.store.read() as session:
        return int((await session.execute(select(func.count()).select_from(RoutingOffer))).scalar_one())


@pytest.mark.parametrize(("strategy", "chosen"), [("longest_idle", "veteran"), ("least_busy", "newcomer")])
async def test_the_configured_strategy_chooses_the_agent(
    ctx: JobContext, jobs: JobDriver, strategy: str, chosen: str
) -> None:
    agents = {"veteran": await add_agent(ctx, "Ana Silva"), "newcomer": await add_agent(ctx, "Wang Lei")}
    held = [await _email(ctx, 1), await _email(ctx, 2)]
    await jobs.drain()
    now = utcnow()
    async with ctx.store.write() as session:
        # The veteran has waited longest for new work but holds two emails; the newcomer holds nothing.
        await session.execute(
            update(Conversation).where(Conversation.id.in_(held)).values(assignee_id=agents["veteran"])
        )
        await session.execute(
            update(Agent).where(Agent.id == agents["veteran"]).values(idle_since=now - timedelta(hours=1))
        )
        await session.execute(
            update(Agent).where(Agent.id == agents["newcomer"]).values(idle_since=now - timedelta(minutes=1))
        )
    ctx.settings.routing = RoutingSection.model_validate({"strategy": strategy})

    fresh = await _email(ctx, 3)
    await jobs.drain()

    assert await _assignee(ctx, fresh) == agents[chosen]


async def test_only_the_configured_synchronous_channels_are_offered(ctx: JobContext, jobs: JobDriver) -> None:
    agent = await add_agent(ctx)
    ctx.settings.routing = RoutingSection(synchronous_channels=["phone"])
    chat = (await ingest(ctx, inbound(ChannelName.WEBCHAT, "chat-1"))).conversation_id
    await jobs.drain()
    assert (await _assignee(ctx, chat), await _offers(ctx)) == (agent, 0)

    ctx.settings.routing = RoutingSection()
    visitor = Identity(IdentityKind.WEBCHAT, "visitor-2")
    second = (await ingest(ctx, inbound(ChannelName.WEBCHAT, "chat-2", sender=visitor))).conversation_id
    await jobs.drain()
    assert (await _assignee(ctx, second), await _offers(ctx)) == (agent, 1)

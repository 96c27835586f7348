from __future__ import annotations

import asyncio

from sqlalchemy import select

from channels.base import ChannelName
from inbox.actions.offer import do_offer
from inbox.models import Agent, Conversation, OfferStatus, OutboxJob, RoutingOffer, utcnow
from tests.support.factories import add_agent, inbound, ingest
from tests.support.jobs import JobDriver
from workers.context import JobContext
from workers.jobs.offer_expiry import run as expire_offer


async def test_an_unanswered_offer_is_expired_by_its_job_when_due(ctx: JobContext, jobs: JobDriver) -> None:
    agent = await add_agent(ctx)
    call = (await ingest(ctx, inbound(ChannelName.PHONE, external_id="CA0001"))).conversation_id
    await jobs.drain()  # whatever ingest queued runs first; the agent takes nothing but offers here
    async with ctx.store.write() as session:
        conversation = await session.get(Conversation, call)
        assert conversation is not None
        conversation.assignee_id = None
    offer = await do_offer(ctx.store, conversation_id=call, agent_id=agent, timeout_seconds=0.2)
    # The agent walks away from the ringing screen; nobody else is there to take the call afterwards.
    async with ctx.store.write() as session:
        row = await session.get(Agent, agent)
        assert row is not None
        row.presence = "away"

    # The arq relay hands over only jobs already due, so wait for the offer to fall due before running them.
    await asyncio.sleep(max(0.0, (offer.expires_at - utcnow()).total_seconds()) + 0.05)
    await jobs.drain()

    async with ctx.store.read() as session:
        status = (await session.execute(select(RoutingOffer.status))).scalar_one()
        conversation = await session.get(Conversation, call)
        job = (await session.execute(select(OutboxJob).where(OutboxJob.job == "offer_expiry"))).scalar_one()
    assert status == OfferStatus.EXPIRED.value
    assert conversation is not None and conversation.assignee_id is None
    assert job.status == "done"
    # Run again, as a job may be: nothing changes.
    await expire_offer(ctx, {"offer_id": offer.offer_id})
    async with ctx.store.read() as session:
        assert (await session.execute(select(RoutingOffer.status))).scalar_one() == OfferStatus.EXPIRED.value

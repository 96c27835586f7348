from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from channels.base import ChannelName
from inbox.models import Agent, Conversation, OfferStatus, OutboxJob, RoutingOffer, utcnow
from tests.support.factories import add_agent, inbound, ingest
from tests.support.jobs import JobDriver
from workers.context import JobContext
from workers.jobs.offer_expiry import run as expire_offer


async def test_an_unanswered_offer_is_expired_by_its_job_when_due(ctx: JobContext, jobs: JobDriver) -> None:
    agent = await add_agent(ctx)
    call = (await ingest(ctx, inbound(ChannelName.PHONE, external_id="CA0001"))).conversation_id
    await jobs.drain()  # the route job puts the call to the one agent as an offer
    async with ctx.store.write() as session:
        offer = (await session.execute(select(RoutingOffer))).scalar_one()
        assert (offer.conversation_id, offer.agent_id, offer.status) == (call, agent, OfferStatus.OPEN.value)
        offer_id = offer.id
        # The agent walks away from the ringing screen; nobody else is there to take the call afterwards.
        row = await session.get(Agent, agent)
        assert row is not None
        row.presence = "away"
        # The offer's time runs out: its deadline and its expiry job fall due now rather than in 20 s.
        due = utcnow()
        offer.expires_at = due
        await session.execute(
            update(OutboxJob).where(OutboxJob.job == "offer_expiry").values(run_after=due - timedelta(seconds=1))
        )
    await jobs.drain()

    async with ctx.store.read() as session:
        status = (await session.execute(select(RoutingOffer.status))).scalar_one()
        conversation = await session.get(Conversation, call)
        job = (await session.execute(select(OutboxJob).where(OutboxJob.job == "offer_expiry"))).scalar_one()
    assert status == OfferStatus.EXPIRED.value
    assert conversation is not None and conversation.assignee_id is None
    assert job.status == "done"
    # Run again, as a job may be: nothing changes.
    await expire_offer(ctx, {"offer_id": offer_id})
    async with ctx.store.read() as session:
        assert (await session.execute(select(RoutingOffer.status))).scalar_one() == OfferStatus.EXPIRED.value

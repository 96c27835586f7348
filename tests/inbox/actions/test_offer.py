from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from channels.base import ChannelName, Identity, IdentityKind
from inbox.actions.offer import (
    OfferRefused,
    do_accept_offer,
    do_decline_offer,
    do_expire_offer,
    do_offer,
)
from inbox.actions.offer_claims import open_offers_for_claims
from inbox.models import Conversation, Event, OfferStatus, OutboxJob, RoutingOffer, utcnow
from inbox.offer_queries import declined_by, open_offers
from tests.support.factories import add_agent, inbound, ingest
from workers.context import JobContext


async def _call(ctx: JobContext, number: int = 1) -> int:
    caller = Identity(IdentityKind.PHONE, f"+1415555{number:04d}")
    outcome = await ingest(ctx, inbound(ChannelName.PHONE, external_id=f"CA{number:032d}", sender=caller))
    return outcome.conversation_id


async def _conversation(ctx: JobContext, conversation_id: int) -> Conversation:
    async with ctx.store.read() as session:
        row = await session.get(Conversation, conversation_id)
        assert row is not None
        return row


async def _offer_row(ctx: JobContext, offer_id: int) -> RoutingOffer:
    async with ctx.store.read() as session:
        row = await session.get(RoutingOffer, offer_id)
        assert row is not None
        return row


async def _event_kinds(ctx: JobContext, conversation_id: int) -> list[str]:
    async with ctx.store.read() as session:
        rows = await session.execute(
            select(Event.kind).where(Event.conversation_id == conversation_id, Event.kind.like("routing.offer%"))
        )
        return sorted(rows.scalars().all())


async def test_an_accepted_offer_keeps_the_call_with_the_agent(ctx: JobContext) -> None:
    agent = await add_agent(ctx)
    call = await _call(ctx)

    offer = await do_offer(ctx.store, conversation_id=call, agent_id=agent, timeout_seconds=20)

    assert (await _conversation(ctx, call)).assignee_id == agent
    async with ctx.store.read() as session:
        [pending] = await open_offers(session, agent)
        expiry = (
            await session.execute(select(OutboxJob).where(OutboxJob.key == f"offer_expiry:{offer.offer_id}"))
        ).scalar_one()
    assert pending.id == offer.offer_id
    assert expiry.payload == {"offer_id": offer.offer_id}
    assert abs((expiry.run_after - offer.expires_at).total_seconds()) < 1e-3

    await do_accept_offer(ctx.store, offer_id=offer.offer_id, agent_id=agent)

    assert (await _offer_row(ctx, offer.offer_id)).status == OfferStatus.ACCEPTED.value
    assert (await _conversation(ctx, call)).assignee_id == agent
    # The expiry job, running later as scheduled, finds the offer answered and changes nothing.
    assert not await do_expire_offer(ctx.store, offer_id=offer.offer_id, now=offer.expires_at + timedelta(seconds=1))
    assert (await _conversation(ctx, call)).assignee_id == agent
    assert await _event_kinds(ctx, call) == ["routing.offer_accepted", "routing.offered"]


async def test_a_declined_call_waits_again_with_its_age_and_never_returns_to_that_agent(ctx: JobContext) -> None:
    first, second = await add_agent(ctx, "Ana Silva"), await add_agent(ctx, "Wang Lei")
    call = await _call(ctx)
    waiting_since = (await _conversation(ctx, call)).last_message_at
    offer = await do_offer(ctx.store, conversation_id=call, agent_id=first, timeout_seconds=20)

    assert await do_decline_offer(ctx.store, offer_id=offer.offer_id, agent_id=first)
    assert not await do_decline_offer(ctx.store, offer_id=offer.offer_id, agent_id=first)  # a second click

    conversation = await _conversation(ctx, call)
    assert conversation.assignee_id is None
    assert conversation.last_message_at == waiting_since  # the priority key's arrival time is untouched
    async with ctx.store.read() as session:
        assert await declined_by(session, [call]) == {call: frozenset({first})}
        drains = (await session.execute(select(OutboxJob).where(OutboxJob.job == "drain"))).scalars().all()
    assert [job.payload["reason"] for job in drains] == [f"offer {offer.offer_id} declined"]
    with pytest.raises(OfferRefused, match="already offered"):
        await do_offer(ctx.store, conversation_id=call, agent_id=first, timeout_seconds=20)
    await do_offer(ctx.store, conversation_id=call, agent_id=second, timeout_seconds=20)
    assert (await _conversation(ctx, call)).assignee_id == second


async def test_an_unanswered_offer_expires_once_and_cannot_be_accepted_late(ctx: JobContext) -> None:
    agent = await add_agent(ctx)
    call = await _call(ctx)
    offer = await do_offer(ctx.store, conversation_id=call, agent_id=agent, timeout_seconds=20)

    assert not await do_expire_offer(ctx.store, offer_id=offer.offer_id, now=offer.expires_at - timedelta(seconds=1))
    assert (await _conversation(ctx, call)).assignee_id == agent
    with pytest.raises(OfferRefused, match="expired"):
        await do_accept_offer(ctx.store, offer_id=offer.offer_id, agent_id=agent, now=offer.expires_at)

    assert (await _offer_row(ctx, offer.offer_id)).status == OfferStatus.EXPIRED.value
    assert (await _conversation(ctx, call)).assignee_id is None
    assert not await do_expire_offer(ctx.store, offer_id=offer.offer_id, now=offer.expires_at)
    async with ctx.store.read() as session:
        assert await declined_by(session, [call]) == {call: frozenset({agent})}


async def test_expiry_hands_back_the_call_and_a_closed_one_is_withdrawn(ctx: JobContext) -> None:
    agent = await add_agent(ctx)
    expiring, hung_up = await _call(ctx, 1), await _call(ctx, 2)
    first = await do_offer(ctx.store, conversation_id=expiring, agent_id=agent, timeout_seconds=5)
    assert await do_expire_offer(ctx.store, offer_id=first.offer_id, now=first.expires_at)
    assert (await _conversation(ctx, expiring)).assignee_id is None

    second = await do_offer(ctx.store, conversation_id=hung_up, agent_id=agent, timeout_seconds=5)
    async with ctx.store.write() as session:
        row = await session.get(Conversation, hung_up)
        assert row is not None
        row.status = "resolved"
    assert await do_expire_offer(ctx.store, offer_id=second.offer_id, now=second.expires_at)
    assert (await _offer_row(ctx, second.offer_id)).status == OfferStatus.WITHDRAWN.value
    async with ctx.store.read() as session:
        # Only a refusal counts against the agent; a call that ended while ringing does not.
        assert await declined_by(session, [expiring, hung_up]) == {expiring: frozenset({agent})}


async def test_an_offer_reserves_capacity_and_a_call_rings_one_agent_at_a_time(ctx: JobContext) -> None:
    agent, other = await add_agent(ctx, "Ana Silva"), await add_agent(ctx, "Wang Lei")
    first, second = await _call(ctx, 1), await _call(ctx, 2)
    await do_offer(ctx.store, conversation_id=first, agent_id=agent, timeout_seconds=20)

    # A call takes the agent whole, and the open offer already holds them.
    with pytest.raises(OfferRefused, match="no room"):
        await do_offer(ctx.store, conversation_id=second, agent_id=agent, timeout_seconds=20)
    with pytest.raises(OfferRefused, match="no longer waits"):
        await do_offer(ctx.store, conversation_id=first, agent_id=other, timeout_seconds=20)
    with pytest.raises(OfferRefused, match="does not exist"):
        await do_offer(ctx.store, conversation_id=999_999, agent_id=other, timeout_seconds=20)


async def test_only_the_offered_agent_answers(ctx: JobContext) -> None:
    agent, other = await add_agent(ctx, "Ana Silva"), await add_agent(ctx, "Wang Lei")
    call = await _call(ctx)
    offer = await do_offer(ctx.store, conversation_id=call, agent_id=agent, timeout_seconds=20, now=utcnow())

    with pytest.raises(OfferRefused, match="not open to agent"):
        await do_accept_offer(ctx.store, offer_id=offer.offer_id, agent_id=other)
    with pytest.raises(OfferRefused, match="not open to agent"):
        await do_decline_offer(ctx.store, offer_id=offer.offer_id, agent_id=other)
    await do_accept_offer(ctx.store, offer_id=offer.offer_id, agent_id=agent)
    with pytest.raises(OfferRefused, match="already accepted"):
        await do_accept_offer(ctx.store, offer_id=offer.offer_id, agent_id=agent)


async def test_claims_on_calls_become_offers_and_a_refused_agent_is_not_asked_again(ctx: JobContext) -> None:
    refuser, other = await add_agent(ctx, "Ana Silva"), await add_agent(ctx, "Wang Lei")
    declined, fresh = await _call(ctx, 1), await _call(ctx, 2)
    first = await do_offer(ctx.store, conversation_id=declined, agent_id=refuser, timeout_seconds=20)
    await do_decline_offer(ctx.store, offer_id=first.offer_id, agent_id=refuser)

    at = utcnow()
    async with ctx.store.write() as session:
        # What a router's claim leaves behind: both calls assigned, the declined one to the agent who refused it.
        for conversation_id, agent_id in ((declined, refuser), (fresh, other)):
            row = await session.get(Conversation, conversation_id)
            assert row is not None
            row.assignee_id = agent_id
        await session.flush()
        claimed = await open_offers_for_claims(
            session, [(declined, refuser), (fresh, other)], timeout_seconds=15, at=at
        )

    assert claimed.handed_back == [declined]
    assert list(claimed.offer_ids) == [fresh]
    assert (await _conversation(ctx, declined)).assignee_id is None
    assert (await _conversation(ctx, fresh)).assignee_id == other
    async with ctx.store.read() as session:
        [ringing] = await open_offers(session, other)
        assert await open_offers(session, refuser) == []
    assert ringing.conversation_id == fresh
    assert abs((ringing.expires_at - at).total_seconds() - 15) < 1e-3

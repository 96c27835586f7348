"""Offers in routing: the drain and the route job's claim put calls and chats to an agent instead of assigning
them, a refusal sends the conversation back with its age, and nobody is asked twice during one wait."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select, update

from channels.base import ChannelName, Identity, IdentityKind, ThreadHints
from inbox.actions.assign import do_apply_routings
from inbox.actions.drain import do_drain_queue
from inbox.actions.offer import OfferRefused, do_accept_offer, do_decline_offer, do_offer
from inbox.models import Agent, Conversation, Event, OfferStatus, OutboxJob, RoutingOffer
from inbox.offer_queries import asked_during_wait
from inbox.routing_plan import Proposal
from inbox.waiting_queue import claim_waiting, waiting_among
from router import CapacityProfile, PriorityOffsets, RouterPolicy
from tests.support.factories import add_agent, inbound, ingest
from workers.context import JobContext

POLICY = RouterPolicy(offer_timeout_seconds=45)


async def _call(ctx: JobContext, number: int) -> int:
    outcome = await ingest(
        ctx,
        inbound(
            ChannelName.PHONE,
            f"call:CA{number}:ringing",
            sender=Identity(IdentityKind.PHONE, f"+1415555{number:04d}"),
            thread=ThreadHints(session_key=f"call:CA{number}"),
        ),
    )
    return outcome.conversation_id


async def _chat(ctx: JobContext, number: int) -> int:
    visitor = Identity(IdentityKind.WEBCHAT, f"visitor-{number}")
    outcome = await ingest(ctx, inbound(ChannelName.WEBCHAT, f"chat-{number}", sender=visitor))
    return outcome.conversation_id


async def _email(ctx: JobContext, number: int) -> int:
    sender = Identity(IdentityKind.EMAIL, f"customer{number}@example.com")
    outcome = await ingest(ctx, inbound(external_id=f"m{number}@example.com", sender=sender))
    return outcome.conversation_id


async def _set_presence(ctx: JobContext, agent_id: int, presence: str) -> None:
    async with ctx.store.write() as session:
        await session.execute(update(Agent).where(Agent.id == agent_id).values(presence=presence))


async def _assignee(ctx: JobContext, conversation_id: int) -> int | None:
    async with ctx.store.read() as session:
        row = await session.get(Conversation, conversation_id)
        assert row is not None
        return row.assignee_id


async def _arrival(ctx: JobContext, conversation_id: int) -> datetime:
    async with ctx.store.read() as session:
        row = await session.get(Conversation, conversation_id)
        assert row is not None
        return row.last_message_at


async def _open_offer(ctx: JobContext, conversation_id: int) -> RoutingOffer:
    async with ctx.store.read() as session:
        rows = await session.execute(
            select(RoutingOffer).where(
                RoutingOffer.conversation_id == conversation_id, RoutingOffer.status == OfferStatus.OPEN.value
            )
        )
        return rows.scalar_one()


async def test_a_drain_offers_chats_and_calls_and_assigns_email_outright(ctx: JobContext) -> None:
    first, second = await add_agent(ctx, "Ana Silva"), await add_agent(ctx, "Wang Lei")
    chat, email = await _chat(ctx, 1), await _email(ctx, 2)

    outcome = await do_drain_queue(ctx.store, POLICY)

    assert (outcome.assigned, outcome.offered) == (2, 1)
    offer = await _open_offer(ctx, chat)
    assert offer.agent_id == await _assignee(ctx, chat)  # held by the offered agent meanwhile
    assert abs((offer.expires_at - offer.offered_at).total_seconds() - 45) < 1e-3
    assert await _assignee(ctx, email) in (first, second)
    async with ctx.store.read() as session:
        offers = (await session.execute(select(RoutingOffer.conversation_id))).scalars().all()
        expiry = (await session.execute(select(OutboxJob).where(OutboxJob.job == "offer_expiry"))).scalar_one()
        decisions = {
            event.conversation_id: event.data
            for event in (await session.execute(select(Event).where(Event.kind == "routing.decision"))).scalars()
        }
    assert offers == [chat]
    assert expiry.payload == {"offer_id": offer.id}
    assert decisions[chat]["offer_id"] == offer.id and decisions[chat]["assigned"]
    assert "offer_id" not in decisions[email]


async def test_an_offer_holds_the_agents_capacity(ctx: JobContext) -> None:
    agent = await add_agent(ctx)
    first, second = await _call(ctx, 1), await _call(ctx, 2)

    await do_drain_queue(ctx.store, POLICY)
    await do_drain_queue(ctx.store, POLICY)

    # A call takes the agent whole, and the open offer already does: the second call waits.
    assert (await _assignee(ctx, first), await _assignee(ctx, second)) == (agent, None)
    await do_accept_offer(ctx.store, offer_id=(await _open_offer(ctx, first)).id, agent_id=agent)
    assert (await do_drain_queue(ctx.store, POLICY)).assigned == 0


async def test_a_declined_call_keeps_its_age_and_never_returns_to_the_agent_who_declined(ctx: JobContext) -> None:
    ana, wang = await add_agent(ctx, "Ana Silva"), await add_agent(ctx, "Wang Lei", presence="offline")
    older = await _call(ctx, 1)
    await do_drain_queue(ctx.store, POLICY)
    refused = await _open_offer(ctx, older)
    assert refused.agent_id == ana
    newer = await _call(ctx, 2)
    arrived = await _arrival(ctx, older)

    assert await do_decline_offer(ctx.store, offer_id=refused.id, agent_id=ana)

    assert await _assignee(ctx, older) is None and await _arrival(ctx, older) == arrived
    async with ctx.store.read() as session:
        drains = (await session.execute(select(OutboxJob.payload).where(OutboxJob.job == "drain"))).scalars().all()
        assert drains == [{"reason": f"offer {refused.id} declined"}]
        [waiting_older, waiting_newer] = await waiting_among(session, [older, newer], PriorityOffsets())
    # The refusal reaches the router, and the declined call still comes first by its arrival.
    assert (waiting_older.item.conversation_id, waiting_older.item.declined_by) == (older, frozenset({ana}))
    assert (waiting_newer.item.conversation_id, waiting_newer.item.declined_by) == (newer, frozenset())

    # Ana is free again but is not asked a second time: she gets the newer call.
    await do_drain_queue(ctx.store, POLICY)
    assert (await _assignee(ctx, older), await _assignee(ctx, newer)) == (None, ana)

    # Wang comes online when a third call has arrived: the declined call is older, so it is his.
    latest = await _call(ctx, 3)
    await _set_presence(ctx, wang, "online")
    await do_drain_queue(ctx.store, POLICY)
    assert (await _assignee(ctx, older), await _assignee(ctx, latest)) == (wang, None)
    async with ctx.store.read() as session:
        assert await asked_during_wait(session, [older]) == {older: frozenset({ana, wang})}


async def test_a_conversation_the_router_skipped_because_everyone_refused_waits(ctx: JobContext) -> None:
    agent = await add_agent(ctx)
    chat = await _chat(ctx, 1)
    await do_drain_queue(ctx.store, POLICY)
    offer = await _open_offer(ctx, chat)
    await do_decline_offer(ctx.store, offer_id=offer.id, agent_id=agent)

    assert (await do_drain_queue(ctx.store, POLICY)).assigned == 0
    assert await _assignee(ctx, chat) is None
    async with ctx.store.write() as session:
        [claimed] = await claim_waiting(session, limit=10, offsets=PriorityOffsets(), dialect=ctx.store.dialect)
    assert claimed.item.declined_by == frozenset({agent})


def _proposal(conversation_id: int, agent_id: int, channel: str) -> Proposal:
    return Proposal(conversation_id, channel, agent_id, {"reason": "test"}, CapacityProfile())


async def test_the_route_jobs_claim_offers_synchronous_channels_per_the_policy(ctx: JobContext) -> None:
    agent = await add_agent(ctx)
    chat, email = await _chat(ctx, 1), await _email(ctx, 2)

    applied = await do_apply_routings(
        ctx.store, [_proposal(chat, agent, "webchat"), _proposal(email, agent, "email")], policy=POLICY
    )

    assert applied.assigned == {chat, email}
    assert list(applied.offered) == [chat]
    assert (await _open_offer(ctx, chat)).id == applied.offered[chat]
    async with ctx.store.read() as session:
        rows = await session.execute(select(Event.conversation_id, Event.data).where(Event.kind == "routing.decision"))
        decisions = dict(rows.all())
    assert decisions[chat]["offer_id"] == applied.offered[chat]
    assert "offer_id" not in decisions[email]


async def test_a_policy_with_no_synchronous_channel_assigns_chats_outright(ctx: JobContext) -> None:
    agent = await add_agent(ctx)
    chat = await _chat(ctx, 1)
    policy = RouterPolicy(synchronous_channels=frozenset())

    applied = await do_apply_routings(ctx.store, [_proposal(chat, agent, "webchat")], policy=policy)

    assert (applied.assigned, applied.offered) == ({chat}, {})
    assert await _assignee(ctx, chat) == agent


async def test_a_claim_on_an_agent_already_asked_is_bumped_for_a_new_decision(ctx: JobContext) -> None:
    agent = await add_agent(ctx)
    chat = await _chat(ctx, 1)
    offer = await do_offer(ctx.store, conversation_id=chat, agent_id=agent, timeout_seconds=20)
    await do_decline_offer(ctx.store, offer_id=offer.offer_id, agent_id=agent)

    # A decision taken on a snapshot read before the refusal still names the agent who refused.
    applied = await do_apply_routings(ctx.store, [_proposal(chat, agent, "webchat")], policy=POLICY)

    assert (applied.assigned, applied.offered, applied.bumped) == (set(), {}, [chat])
    assert await _assignee(ctx, chat) is None


async def test_an_offer_whose_conversation_moved_on_cannot_be_accepted(ctx: JobContext) -> None:
    agent, colleague = await add_agent(ctx, "Ana Silva"), await add_agent(ctx, "Wang Lei")
    chat = await _chat(ctx, 1)
    offer = await do_offer(ctx.store, conversation_id=chat, agent_id=agent, timeout_seconds=20)
    async with ctx.store.write() as session:
        # A supervisor hands the chat to a colleague while it still rings on the agent's screen.
        await session.execute(update(Conversation).where(Conversation.id == chat).values(assignee_id=colleague))

    with pytest.raises(OfferRefused, match="withdrawn"):
        await do_accept_offer(ctx.store, offer_id=offer.offer_id, agent_id=agent)
    assert await _assignee(ctx, chat) == colleague
    async with ctx.store.read() as session:
        row = await session.get(RoutingOffer, offer.offer_id)
        assert row is not None and row.status == OfferStatus.WITHDRAWN.value


async def test_an_offer_left_open_by_a_move_by_hand_is_withdrawn_when_the_chat_is_offered_again(
    ctx: JobContext,
) -> None:
    ana, wang = await add_agent(ctx, "Ana Silva"), await add_agent(ctx, "Wang Lei")
    chat = await _chat(ctx, 1)
    first = await do_offer(ctx.store, conversation_id=chat, agent_id=ana, timeout_seconds=60)
    async with ctx.store.write() as session:
        # A supervisor takes it off Ana's screen by hand and puts it back in the queue while it still rings.
        await session.execute(update(Conversation).where(Conversation.id == chat).values(assignee_id=None))

    outcome = await do_drain_queue(ctx.store, POLICY)

    assert outcome.offered == 1
    second = await _open_offer(ctx, chat)
    assert second.agent_id == wang
    async with ctx.store.read() as session:
        left = await session.get(RoutingOffer, first.offer_id)
        assert left is not None and left.status == OfferStatus.WITHDRAWN.value


async def test_an_offer_by_hand_also_withdraws_one_left_open(ctx: JobContext) -> None:
    ana, wang = await add_agent(ctx, "Ana Silva"), await add_agent(ctx, "Wang Lei")
    chat = await _chat(ctx, 1)
    first = await do_offer(ctx.store, conversation_id=chat, agent_id=ana, timeout_seconds=60)
    async with ctx.store.write() as session:
        await session.execute(update(Conversation).where(Conversation.id == chat).values(assignee_id=None))

    second = await do_offer(ctx.store, conversation_id=chat, agent_id=wang, timeout_seconds=60)

    assert (await _open_offer(ctx, chat)).id == second.offer_id
    async with ctx.store.read() as session:
        left = await session.get(RoutingOffer, first.offer_id)
        assert left is not None and left.status == OfferStatus.WITHDRAWN.value

"""Offering a call or chat to an agent, and the agent's answer.

``do_offer`` holds the conversation for the agent (it becomes their assignee, which reserves their capacity and
keeps every other router off it) and queues the offer's expiry for the moment it falls due. Accepting keeps it
with them; declining, or letting it expire, hands it back to the queue with its original age — the priority key
comes from when the customer wrote, which an offer never touches — and asks for a drain so it is placed at once.
The offer row stays as the record that this agent was asked during this wait: ``routing_offers`` is unique per
conversation, agent and wait, so nobody can put it to them again, and ``inbox.offer_queries.asked_during_wait``
hands them to the router so it does not try. Routers that claim many conversations at once turn their claims
on synchronous channels into offers with ``inbox.actions.offer_claims``.

Locks follow every other claim's order: the agent's row first, then the conversation's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from inbox import audit, outbox
from inbox.models import Agent, Conversation, ConversationStatus, OfferStatus, RoutingOffer, utcnow
from inbox.routing_snapshots import HELD_STATUSES, agent_snapshots
from inbox.store import Store
from inbox.webhook_events import CONVERSATION_ASSIGNED, enqueue_webhook_events

EXPIRY_JOB = "offer_expiry"


class OfferRefused(Exception):
    """The offer cannot be made or answered; the reason is written for the person or job asking."""


@dataclass(frozen=True, slots=True)
class Offer:
    offer_id: int
    conversation_id: int
    agent_id: int
    expires_at: datetime


async def _agent_has_room(session: AsyncSession, agent_id: int, channel: str, dialect: str) -> bool:
    if dialect == "postgresql":
        await session.execute(select(Agent.id).where(Agent.id == agent_id).with_for_update())
    snapshots = await agent_snapshots(session, [agent_id])
    if not snapshots:
        return False
    held = await session.execute(
        select(Conversation.channel, func.count())
        .where(Conversation.assignee_id == agent_id, Conversation.status.in_(HELD_STATUSES))
        .group_by(Conversation.channel)
    )
    load = {row_channel: count for row_channel, count in held.all()}
    return snapshots[0].capacity.fits(channel, load)


async def _locked_conversation(session: AsyncSession, conversation_id: int, dialect: str) -> Conversation | None:
    query = select(Conversation).where(Conversation.id == conversation_id)
    if dialect == "postgresql":
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def _open(
    session: AsyncSession,
    conversation_id: int,
    agent_id: int,
    waiting_since: datetime,
    at: datetime,
    expires_at: datetime,
) -> int:
    """The offer row and its expiry job, in the caller's transaction."""
    offer = RoutingOffer(
        conversation_id=conversation_id,
        agent_id=agent_id,
        waiting_since=waiting_since,
        status=OfferStatus.OPEN.value,
        open_conversation_id=conversation_id,
        offered_at=at,
        expires_at=expires_at,
    )
    session.add(offer)
    await session.flush()
    await outbox.enqueue(session, EXPIRY_JOB, f"{EXPIRY_JOB}:{offer.id}", {"offer_id": offer.id}, run_after=expires_at)
    return offer.id


async def do_offer(
    store: Store,
    *,
    conversation_id: int,
    agent_id: int,
    timeout_seconds: float,
    explanation: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Offer:
    """Put a waiting conversation to an agent for ``timeout_seconds``. Refused when it no longer waits, when
    the agent has no room for it, or when they already refused it during this wait."""
    at = now or utcnow()
    async with store.write() as session:
        channel = (
            await session.execute(select(Conversation.channel).where(Conversation.id == conversation_id))
        ).scalar_one_or_none()
        if channel is None:
            raise OfferRefused(f"conversation {conversation_id} does not exist")
        # The agent's lock comes first in every claim, the conversation's second.
        if not await _agent_has_room(session, agent_id, channel, store.dialect):
            raise OfferRefused(f"agent {agent_id} has no room for a {channel} conversation")
        conversation = await _locked_conversation(session, conversation_id, store.dialect)
        if (
            conversation is None
            or conversation.status != ConversationStatus.OPEN.value
            or conversation.assignee_id is not None
        ):
            raise OfferRefused(f"conversation {conversation_id} no longer waits for an agent")
        refused = await session.execute(
            select(RoutingOffer.status).where(
                RoutingOffer.conversation_id == conversation_id,
                RoutingOffer.agent_id == agent_id,
                RoutingOffer.waiting_since == conversation.last_message_at,
            )
        )
        earlier = refused.scalar_one_or_none()
        if earlier is not None:
            raise OfferRefused(f"agent {agent_id} was already offered this conversation ({earlier})")
        # An offer left open by a move by hand while it rang is over: a conversation has one open offer at most.
        await session.execute(
            update(RoutingOffer)
            .where(RoutingOffer.open_conversation_id == conversation_id)
            .values(status=OfferStatus.WITHDRAWN.value, open_conversation_id=None, answered_at=at)
            .execution_options(synchronize_session=False)
        )
        expires_at = at + timedelta(seconds=timeout_seconds)
        conversation.assignee_id = agent_id
        offer_id = await _open(session, conversation_id, agent_id, conversation.last_message_at, at, expires_at)
        audit.record(
            session,
            "routing.offered",
            conversation_id=conversation_id,
            agent_id=agent_id,
            offer_id=offer_id,
            expires_at=expires_at.isoformat(),
            explanation=explanation or {},
        )
        return Offer(offer_id, conversation_id, agent_id, expires_at)


async def _locked_offer(session: AsyncSession, offer_id: int, dialect: str) -> RoutingOffer | None:
    query = select(RoutingOffer).where(RoutingOffer.id == offer_id)
    if dialect == "postgresql":
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def _close(session: AsyncSession, offer: RoutingOffer, status: OfferStatus, at: datetime) -> None:
    offer.status = status.value
    offer.answered_at = at
    offer.open_conversation_id = None
    if status is OfferStatus.ACCEPTED:
        return
    # Hand the conversation back only if it is still this agent's, open, and was never answered otherwise.
    released = await session.execute(
        update(Conversation)
        .where(
            Conversation.id == offer.conversation_id,
            Conversation.assignee_id == offer.agent_id,
            Conversation.status == ConversationStatus.OPEN.value,
        )
        .values(assignee_id=None)
        .execution_options(synchronize_session=False)
    )
    if released.rowcount:  # type: ignore[attr-defined]
        await outbox.queue_drain(session, f"offer {offer.id} {status.value}")


async def do_accept_offer(store: Store, *, offer_id: int, agent_id: int, now: datetime | None = None) -> Offer:
    """The agent takes the call or chat. Refused when the offer is someone else's, already answered, has run
    out (an offer accepted a moment too late is expired here rather than left for the job), or its
    conversation was closed or moved meanwhile (the offer is then withdrawn)."""
    at = now or utcnow()
    async with store.write() as session:
        offer = await _locked_offer(session, offer_id, store.dialect)
        if offer is None or offer.agent_id != agent_id:
            raise OfferRefused(f"offer {offer_id} is not open to agent {agent_id}")
        if offer.status != OfferStatus.OPEN.value:
            raise OfferRefused(f"offer {offer_id} is already {offer.status}")
        conversation = await _locked_conversation(session, offer.conversation_id, store.dialect)
        held = (
            conversation is not None
            and conversation.status == ConversationStatus.OPEN.value
            and conversation.assignee_id == agent_id
        )
        # A late or moot answer closes the offer here, committed before refusing, so a late one goes back to the
        # queue now rather than when the job runs.
        if not held:
            status = OfferStatus.WITHDRAWN
        elif at >= offer.expires_at:
            status = OfferStatus.EXPIRED
        else:
            status = OfferStatus.ACCEPTED
        await _close(session, offer, status, at)
        audit.record(
            session,
            f"routing.offer_{status.value}",
            actor_agent_id=agent_id if status is OfferStatus.ACCEPTED else None,
            conversation_id=offer.conversation_id,
            agent_id=agent_id,
            offer_id=offer_id,
        )
        if status is OfferStatus.ACCEPTED:
            # Subscribers hear of the assignment when it is final, not while the agent is still being asked.
            await enqueue_webhook_events(
                session,
                CONVERSATION_ASSIGNED,
                [{"conversation_id": offer.conversation_id, "assignee_id": agent_id, "previous_assignee_id": None}],
            )
        accepted = Offer(offer.id, offer.conversation_id, agent_id, offer.expires_at)
    if status is OfferStatus.EXPIRED:
        raise OfferRefused(f"offer {offer_id} has expired")
    if status is OfferStatus.WITHDRAWN:
        raise OfferRefused(f"offer {offer_id} was withdrawn: the conversation was closed or moved")
    return accepted


async def do_decline_offer(store: Store, *, offer_id: int, agent_id: int, now: datetime | None = None) -> bool:
    """The agent says no. True when this call declined it; False when it was already answered or expired,
    so a repeated click is harmless."""
    at = now or utcnow()
    async with store.write() as session:
        offer = await _locked_offer(session, offer_id, store.dialect)
        if offer is None or offer.agent_id != agent_id:
            raise OfferRefused(f"offer {offer_id} is not open to agent {agent_id}")
        if offer.status != OfferStatus.OPEN.value:
            return False
        await _close(session, offer, OfferStatus.DECLINED, at)
        audit.record(
            session,
            "routing.offer_declined",
            actor_agent_id=agent_id,
            conversation_id=offer.conversation_id,
            agent_id=agent_id,
            offer_id=offer_id,
        )
        return True


async def do_expire_offer(store: Store, *, offer_id: int, now: datetime | None = None) -> bool:
    """Expire an offer left unanswered past its time. True when this call expired it; running again, or
    before the offer is due, changes nothing."""
    at = now or utcnow()
    async with store.write() as session:
        offer = await _locked_offer(session, offer_id, store.dialect)
        if offer is None or offer.status != OfferStatus.OPEN.value or at < offer.expires_at:
            return False
        conversation = await session.get(Conversation, offer.conversation_id)
        gone = (
            conversation is None
            or conversation.status != ConversationStatus.OPEN.value
            or conversation.assignee_id != offer.agent_id
        )
        # A conversation that closed or moved to someone else meanwhile was withdrawn rather than let run out.
        status = OfferStatus.WITHDRAWN if gone else OfferStatus.EXPIRED
        await _close(session, offer, status, at)
        audit.record(
            session,
            f"routing.offer_{status.value}",
            conversation_id=offer.conversation_id,
            agent_id=offer.agent_id,
            offer_id=offer_id,
        )
        return True

"""Offers for what a router has just claimed: many (conversation, agent) placements on synchronous channels
turned into open offers in the claiming transaction, a handful of statements for the whole batch.

The drain and the route job's claim call this after their guarded assignment, so the conversation is already
held by the agent (which reserves their capacity); each placement gets its offer row and its expiry job, exactly
as ``inbox.actions.offer.do_offer`` makes one. Never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Table, and_, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from inbox.actions.offer import EXPIRY_JOB
from inbox.models import Conversation, OfferStatus, OutboxJob, OutboxStatus, RoutingOffer
from inbox.upsert import insert_ignoring_conflict

_OFFERS: Table = RoutingOffer.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class ClaimedOffers:
    """What ``open_offers_for_claims`` made of a router's claims: the offer opened for each conversation, and
    the conversations handed back to the queue instead (their agent had already been asked during this wait)."""

    offer_ids: dict[int, int]
    handed_back: list[int]
    expires_at: datetime


async def open_offers_for_claims(
    session: AsyncSession, claims: Sequence[tuple[int, int]], *, timeout_seconds: float, at: datetime
) -> ClaimedOffers:
    """Turn assignments a router has just claimed in the caller's transaction into offers: ``claims`` are
    (conversation, agent) pairs on synchronous channels, whose conversations are locked by the caller (or it
    is SQLite's one writer). Each gets an open offer and its expiry job, a handful of statements for the whole
    batch. A claim that would put a conversation to an agent already asked during this wait is undone (the
    conversation waits on) rather than offered: the store keeps one offer per agent and wait."""
    expires_at = at + timedelta(seconds=timeout_seconds)
    if not claims:
        return ClaimedOffers({}, [], expires_at)
    ids = sorted({conversation_id for conversation_id, _ in claims})
    # One read for the batch: each conversation's current wait, every offer made during it, and any offer still
    # marked open on it (left over from a conversation moved by hand while it rang, then queued again).
    rows = await session.execute(
        select(
            Conversation.id,
            Conversation.last_message_at,
            RoutingOffer.agent_id,
            RoutingOffer.waiting_since,
            RoutingOffer.open_conversation_id,
        )
        .outerjoin(
            RoutingOffer,
            and_(
                RoutingOffer.conversation_id == Conversation.id,
                or_(
                    RoutingOffer.waiting_since == Conversation.last_message_at,
                    RoutingOffer.open_conversation_id.is_not(None),
                ),
            ),
        )
        .where(Conversation.id.in_(ids))
    )
    waiting_since: dict[int, datetime] = {}
    refused: set[tuple[int, int]] = set()
    stale = False
    for conversation_id, since, agent_id, offered_for, still_open in rows.all():
        waiting_since[conversation_id] = since
        if agent_id is not None and offered_for == since:
            refused.add((conversation_id, agent_id))
        stale = stale or still_open is not None
    handed_back = [pair for pair in claims if pair in refused]
    for conversation_id, agent_id in handed_back:
        await session.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id, Conversation.assignee_id == agent_id)
            .values(assignee_id=None)
            .execution_options(synchronize_session=False)
        )
    offered = [
        (conversation_id, agent_id)
        for conversation_id, agent_id in claims
        if (conversation_id, agent_id) not in refused and conversation_id in waiting_since
    ]
    if not offered:
        return ClaimedOffers({}, [conversation_id for conversation_id, _ in handed_back], expires_at)
    if stale:
        # That leftover offer is over: it would otherwise hold the one open offer a conversation may have.
        await session.execute(
            update(RoutingOffer)
            .where(RoutingOffer.open_conversation_id.in_([conversation_id for conversation_id, _ in offered]))
            .values(status=OfferStatus.WITHDRAWN.value, open_conversation_id=None, answered_at=at)
            .execution_options(synchronize_session=False)
        )
    # A plain table insert: the ORM's bulk path would cost more than the rest of the batch's offers together.
    created = await session.execute(
        insert(_OFFERS).returning(_OFFERS.c.id, _OFFERS.c.conversation_id),
        [
            {
                "conversation_id": conversation_id,
                "agent_id": agent_id,
                "waiting_since": waiting_since[conversation_id],
                "status": OfferStatus.OPEN.value,
                "open_conversation_id": conversation_id,
                "offered_at": at,
                "expires_at": expires_at,
            }
            for conversation_id, agent_id in offered
        ],
    )
    offer_ids = {conversation_id: offer_id for offer_id, conversation_id in created.all()}
    jobs = [
        {
            "job": EXPIRY_JOB,
            "key": f"{EXPIRY_JOB}:{offer_id}",
            "payload": {"offer_id": offer_id},
            "status": OutboxStatus.PENDING.value,
            "attempts": 0,
            "run_after": expires_at,
            "created_at": at,
        }
        for offer_id in sorted(offer_ids.values())
    ]
    await insert_ignoring_conflict(session, OutboxJob, jobs, ["key"])
    session.info["queued_jobs"] = True
    return ClaimedOffers(offer_ids, [conversation_id for conversation_id, _ in handed_back], expires_at)

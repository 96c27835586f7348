"""Reading offers: who has already refused a waiting conversation, who was asked at all, and the offers an
agent has open.

Read-only; the router is handed everyone already asked during the current wait as ``WorkItem.declined_by`` so
it never proposes the same agent again (the store keeps one offer per agent and wait, so it could not anyway).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inbox.models import Contact, Conversation, OfferStatus, RoutingOffer

REFUSED = (OfferStatus.DECLINED.value, OfferStatus.EXPIRED.value)


async def declined_by(session: AsyncSession, conversation_ids: Collection[int]) -> dict[int, frozenset[int]]:
    """For each conversation, the agents who declined it or let it expire during its current wait."""
    if not conversation_ids:
        return {}
    rows = await session.execute(
        select(RoutingOffer.conversation_id, RoutingOffer.agent_id)
        .join(Conversation, Conversation.id == RoutingOffer.conversation_id)
        .where(
            RoutingOffer.conversation_id.in_(sorted(conversation_ids)),
            RoutingOffer.status.in_(REFUSED),
            RoutingOffer.waiting_since == Conversation.last_message_at,
        )
    )
    refused: dict[int, set[int]] = defaultdict(set)
    for conversation_id, agent_id in rows.all():
        refused[conversation_id].add(agent_id)
    return {conversation_id: frozenset(agents) for conversation_id, agents in refused.items()}


async def asked_during_wait(session: AsyncSession, conversation_ids: Collection[int]) -> dict[int, frozenset[int]]:
    """For each conversation, every agent it was offered to during its current wait, whatever came of it: those
    who declined it or let it expire, and the rarer ones who accepted and then gave it back or whose offer was
    withdrawn. One indexed read for a whole batch of waiting conversations."""
    if not conversation_ids:
        return {}
    rows = await session.execute(
        select(RoutingOffer.conversation_id, RoutingOffer.agent_id)
        .join(Conversation, Conversation.id == RoutingOffer.conversation_id)
        .where(
            RoutingOffer.conversation_id.in_(sorted(conversation_ids)),
            RoutingOffer.waiting_since == Conversation.last_message_at,
        )
    )
    asked: dict[int, set[int]] = defaultdict(set)
    for conversation_id, agent_id in rows.all():
        asked[conversation_id].add(agent_id)
    return {conversation_id: frozenset(agents) for conversation_id, agents in asked.items()}


async def open_offers(session: AsyncSession, agent_id: int) -> list[RoutingOffer]:
    """The agent's unanswered offers, oldest first: what their screen should be ringing with."""
    rows = await session.execute(
        select(RoutingOffer)
        .where(RoutingOffer.agent_id == agent_id, RoutingOffer.status == OfferStatus.OPEN.value)
        .order_by(RoutingOffer.offered_at, RoutingOffer.id)
    )
    return list(rows.scalars().all())


@dataclass(frozen=True, slots=True)
class OfferView:
    """An offer as the offered agent's screen and the API show it."""

    offer_id: int
    conversation_id: int
    agent_id: int
    status: str
    channel: str
    subject: str | None
    customer: str | None
    tier: str
    offered_at: datetime
    expires_at: datetime
    answered_at: datetime | None

    def seconds_left(self, now: datetime) -> int:
        if self.status != OfferStatus.OPEN.value:
            return 0
        return max(0, math.ceil((self.expires_at - now).total_seconds()))


_VIEW_COLUMNS = (
    RoutingOffer.id,
    RoutingOffer.conversation_id,
    RoutingOffer.agent_id,
    RoutingOffer.status,
    Conversation.channel,
    Conversation.subject,
    Contact.name,
    Contact.tier,
    RoutingOffer.offered_at,
    RoutingOffer.expires_at,
    RoutingOffer.answered_at,
)


def _views(rows: Sequence[Any]) -> list[OfferView]:
    return [OfferView(*row) for row in rows]


async def open_offer_views(session: AsyncSession, agent_id: int, now: datetime) -> list[OfferView]:
    """The agent's offers still waiting for an answer and not yet run out, oldest first. One whose time is up
    but whose expiry job has not run yet is left out: it can no longer be accepted."""
    rows = await session.execute(
        select(*_VIEW_COLUMNS)
        .join(Conversation, Conversation.id == RoutingOffer.conversation_id)
        .join(Contact, Contact.id == Conversation.contact_id)
        .where(
            RoutingOffer.agent_id == agent_id,
            RoutingOffer.status == OfferStatus.OPEN.value,
            RoutingOffer.expires_at > now,
        )
        .order_by(RoutingOffer.offered_at, RoutingOffer.id)
    )
    return _views(rows.all())


async def offer_view(session: AsyncSession, offer_id: int) -> OfferView | None:
    rows = await session.execute(
        select(*_VIEW_COLUMNS)
        .join(Conversation, Conversation.id == RoutingOffer.conversation_id)
        .join(Contact, Contact.id == Conversation.contact_id)
        .where(RoutingOffer.id == offer_id)
    )
    found = _views(rows.all())
    return found[0] if found else None

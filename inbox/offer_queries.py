"""Reading offers: who has already refused a waiting conversation, and the offers an agent has open.

Read-only; the router is handed the refusals as ``WorkItem.declined_by`` so it never proposes the same agent
again during one wait.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inbox.models import Conversation, OfferStatus, RoutingOffer

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


async def open_offers(session: AsyncSession, agent_id: int) -> list[RoutingOffer]:
    """The agent's unanswered offers, oldest first: what their screen should be ringing with."""
    rows = await session.execute(
        select(RoutingOffer)
        .where(RoutingOffer.agent_id == agent_id, RoutingOffer.status == OfferStatus.OPEN.value)
        .order_by(RoutingOffer.offered_at, RoutingOffer.id)
    )
    return list(rows.scalars().all())

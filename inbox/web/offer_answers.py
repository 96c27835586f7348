"""An agent's answer to an offer, as both the live inbox and the REST API take it: only the offered agent may
answer, and whatever they answer, they are told where the offer stands afterwards."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.exceptions import HTTPException

from inbox.access import Viewer
from inbox.actions.offer import OfferRefused, do_accept_offer, do_decline_offer
from inbox.models import OfferStatus, utcnow
from inbox.offer_queries import OfferView, offer_view
from inbox.store import Store


@dataclass(frozen=True, slots=True)
class Answer:
    offer: OfferView
    # Why the answer was not taken (the offer ran out, was answered already, or the conversation moved on).
    refused: str | None = None


def answering_agent(viewer: Viewer) -> int:
    if not viewer.reads_conversations:
        raise HTTPException(403, "this role takes no conversations")
    return viewer.agent_id


async def _mine(store: Store, offer_id: int, agent_id: int) -> OfferView:
    async with store.read() as session:
        found = await offer_view(session, offer_id)
    # Someone else's offer answers as a missing one: its existence is none of this agent's business.
    if found is None or found.agent_id != agent_id:
        raise HTTPException(404, "no such offer for you")
    return found


async def answer_offer(store: Store, viewer: Viewer, offer_id: int, *, accept: bool) -> Answer:
    """Accept or decline; 404 unless the offer is the viewer's. Declining twice is harmless; declining an offer
    that was accepted or ran out is refused, as is accepting one that is no longer open."""
    agent_id = answering_agent(viewer)
    await _mine(store, offer_id, agent_id)
    refused: str | None = None
    try:
        if accept:
            await do_accept_offer(store, offer_id=offer_id, agent_id=agent_id)
        elif not await do_decline_offer(store, offer_id=offer_id, agent_id=agent_id):
            refused = "already answered"
    except OfferRefused as refusal:
        refused = str(refusal)
    after = await _mine(store, offer_id, agent_id)
    if refused == "already answered":
        refused = None if after.status == OfferStatus.DECLINED.value else f"offer {offer_id} is already {after.status}"
    return Answer(after, refused)


def offer_json(offer: OfferView) -> dict[str, Any]:
    return {
        "id": offer.offer_id,
        "conversation_id": offer.conversation_id,
        "agent_id": offer.agent_id,
        "status": offer.status,
        "channel": offer.channel,
        "subject": offer.subject,
        "customer": offer.customer,
        "tier": offer.tier,
        "offered_at": offer.offered_at.isoformat(),
        "expires_at": offer.expires_at.isoformat(),
        "answered_at": offer.answered_at.isoformat() if offer.answered_at else None,
        "seconds_left": offer.seconds_left(utcnow()),
    }

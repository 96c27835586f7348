"""Routing a conversation that needs an agent: snapshots from the store, the router's decision, an atomic claim."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from inbox import queries
from inbox.actions.assign import do_apply_routing
from inbox.models import Conversation, ConversationStatus, Message, utcnow
from inbox.routing_snapshots import agent_snapshots, work_item
from router import RouterPolicy, decide
from workers.context import JobContext

MAX_CLAIM_ATTEMPTS = 3


async def run(ctx: JobContext, payload: dict[str, Any]) -> None:
    conversation_id = int(payload["conversation_id"])
    attempt = int(payload.get("claim_attempt", 1))
    now = utcnow()
    async with ctx.store.read() as session:
        conversation = await session.get(Conversation, conversation_id)
        if conversation is None or conversation.assignee_id is not None:
            return
        if conversation.status != ConversationStatus.OPEN.value:
            return
        contact = await queries.live_contact(session, conversation.contact_id)
        last_agent = (
            await session.execute(
                select(Message.sender_agent_id)
                .where(Message.conversation_id == conversation_id, Message.sender_agent_id.is_not(None))
                .order_by(Message.id.desc())
                .limit(1)
            )
        ).scalar_one_or_none()
        agents = await agent_snapshots(session)
        item = work_item(conversation, contact, last_agent, now)
    policy: RouterPolicy = ctx.extras.get("router_policy") or RouterPolicy()
    decision = decide(item, agents, now.timestamp(), policy)
    chosen = next((agent for agent in agents if agent.agent_id == decision.agent_id), None)

    def still_fits(load: dict[str, int]) -> bool:
        return chosen is not None and chosen.capacity.fits(item.channel, load)

    assigned = await do_apply_routing(
        ctx.store, conversation_id, decision.agent_id, decision.to_dict(), still_fits=still_fits
    )
    if not assigned and decision.agent_id is not None and attempt < MAX_CLAIM_ATTEMPTS:
        # Another router took the slot between our snapshot and our claim: decide again on fresh figures.
        await run(ctx, {**payload, "claim_attempt": attempt + 1})

"""An agent recording that a conversation repeats an earlier one about the same problem, with the reason."""

from __future__ import annotations

from sqlalchemy import select

from inbox import audit, queries
from inbox.models import Conversation, RepeatContact, utcnow
from inbox.store import Store

MAX_REASON_CHARS = 1000


class RepeatRefused(Exception):
    """The link cannot be recorded; the reason is written for the agent."""


async def do_record_repeat_contact(
    store: Store, *, conversation_id: int, original_conversation_id: int, agent_id: int | None, reason: str
) -> int:
    """Link the two conversations; an existing link (say, one detected on arrival) takes the agent's reason."""
    reason = reason.strip()
    if not reason:
        raise RepeatRefused("say why this contact repeats the earlier one")
    if len(reason) > MAX_REASON_CHARS:
        raise RepeatRefused(f"the reason is limited to {MAX_REASON_CHARS} characters")
    if conversation_id == original_conversation_id:
        raise RepeatRefused("a conversation cannot repeat itself; name the earlier conversation")
    async with store.write() as session:
        conversation = await session.get(Conversation, conversation_id)
        original = await session.get(Conversation, original_conversation_id)
        if conversation is None or original is None:
            raise RepeatRefused("both conversations must exist")
        same = (await queries.live_contact(session, conversation.contact_id)).id == (
            await queries.live_contact(session, original.contact_id)
        ).id
        if not same:
            raise RepeatRefused("the earlier conversation belongs to another customer")
        found = await session.execute(
            select(RepeatContact).where(
                RepeatContact.conversation_id == conversation_id,
                RepeatContact.original_conversation_id == original_conversation_id,
            )
        )
        record = found.scalar_one_or_none()
        if record is None:
            record = RepeatContact(
                conversation_id=conversation_id,
                original_conversation_id=original_conversation_id,
                contact_id=conversation.contact_id,
                reason=reason,
                source="agent",
                agent_id=agent_id,
                created_at=utcnow(),
            )
            session.add(record)
        else:
            record.reason, record.source, record.agent_id = reason, "agent", agent_id
        await session.flush()
        audit.record(
            session,
            "repeat_contact.recorded",
            actor_agent_id=agent_id,
            contact_id=conversation.contact_id,
            conversation_id=conversation_id,
            original_conversation_id=original_conversation_id,
            reason=reason,
            source="agent",
        )
        return record.id

"""Recording a standard remedy given to a customer (from the configured menu), audited."""

from __future__ import annotations

from inbox import audit
from inbox.models import Conversation, RemedyGiven, utcnow
from inbox.settings import RecoverySection
from inbox.store import Store

MAX_NOTE_CHARS = 2000


class RemedyRefused(Exception):
    """The remedy cannot be recorded; the reason is written for the agent."""


async def do_record_remedy(
    store: Store, section: RecoverySection, *, conversation_id: int, agent_id: int | None, remedy: str, note: str
) -> int:
    """Returns the new record's id. Only remedies on the menu are taken, so reports compare like with like."""
    if remedy not in section.remedies:
        raise RemedyRefused(f"choose a remedy from the menu: {', '.join(section.remedies)}")
    note = note.strip()
    if len(note) > MAX_NOTE_CHARS:
        raise RemedyRefused(f"the note is limited to {MAX_NOTE_CHARS} characters")
    async with store.write() as session:
        conversation = await session.get(Conversation, conversation_id)
        if conversation is None:
            raise RemedyRefused(f"conversation {conversation_id} does not exist")
        given = RemedyGiven(
            conversation_id=conversation.id,
            contact_id=conversation.contact_id,
            agent_id=agent_id,
            remedy=remedy,
            note=note,
            created_at=utcnow(),
        )
        session.add(given)
        await session.flush()
        audit.record(
            session,
            "remedy.given",
            actor_agent_id=agent_id,
            contact_id=conversation.contact_id,
            conversation_id=conversation.id,
            remedy_id=given.id,
            remedy=remedy,
            note=note,
        )
        return given.id

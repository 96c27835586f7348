"""Private notes: staff-only messages in a conversation that never leave the hub, with @mentions that notify.

A note is a message with direction ``internal``, kind ``note`` and delivery status ``internal``. The send job only
claims messages whose status is ``queued`` (see ``inbox.actions.delivery``), and no send job is ever queued for a
note, so there is no path by which one could reach a customer.
"""

from __future__ import annotations

from dataclasses import dataclass

from channels.base import MessageKind
from inbox import audit
from inbox.actions.mention import notify_mentions
from inbox.models import Conversation, Direction, Message, utcnow
from inbox.store import Store

NOTE_CHANNEL = "note"
NOTE_STATUS = "internal"
MAX_NOTE_CHARS = 20_000


class NoteRefused(Exception):
    """The note cannot be stored; the reason is written for the agent."""


@dataclass(frozen=True, slots=True)
class NoteOutcome:
    message_id: int
    notified: tuple[str, ...]
    not_notified: tuple[str, ...]


async def do_add_note(store: Store, *, conversation_id: int, agent_id: int | None, text: str) -> NoteOutcome:
    if not text.strip():
        raise NoteRefused("the note is empty")
    if len(text) > MAX_NOTE_CHARS:
        raise NoteRefused(f"a note holds at most {MAX_NOTE_CHARS:,} characters")
    async with store.write() as session:
        conversation = await session.get(Conversation, conversation_id)
        if conversation is None:
            raise NoteRefused(f"conversation {conversation_id} does not exist")
        note = Message(
            conversation_id=conversation.id,
            direction=Direction.INTERNAL.value,
            channel=NOTE_CHANNEL,
            kind=MessageKind.NOTE.value,
            text=text,
            sender_agent_id=agent_id,
            delivery_status=NOTE_STATUS,
            details={},
            created_at=utcnow(),
        )
        session.add(note)
        await session.flush()
        mentions = await notify_mentions(session, conversation, note.id, text, agent_id)
        audit.record(
            session,
            "note.added",
            actor_agent_id=agent_id,
            contact_id=conversation.contact_id,
            conversation_id=conversation.id,
            message_id=note.id,
            mentioned=list(mentions.notified),
        )
        return NoteOutcome(note.id, mentions.notified, mentions.not_notified)

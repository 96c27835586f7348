"""Changing a conversation's status (open, pending, snoozed until a time, resolved), audited."""

from __future__ import annotations

from datetime import datetime

from inbox import audit, outbox
from inbox.models import Conversation, ConversationStatus, utcnow
from inbox.resolution_effects import after_resolution
from inbox.store import Store
from inbox.webhook_events import CONVERSATION_STATUS_CHANGED, enqueue_webhook_events


class StatusRefused(Exception):
    """The change cannot be made; the reason is written for the agent."""


async def do_set_status(
    store: Store,
    *,
    conversation_id: int,
    status: str,
    actor_agent_id: int | None,
    snoozed_until: datetime | None = None,
) -> bool:
    """Set the status; True when it changed. Snoozing needs a time in the future."""
    try:
        wanted = ConversationStatus(status)
    except ValueError as exc:
        choices = ", ".join(s.value for s in ConversationStatus)
        raise StatusRefused(f"status must be one of {choices}") from exc
    now = utcnow()
    if wanted is ConversationStatus.SNOOZED and (snoozed_until is None or snoozed_until <= now):
        raise StatusRefused("snoozing needs a time in the future")
    async with store.write() as session:
        conversation = await session.get(Conversation, conversation_id)
        if conversation is None:
            raise StatusRefused(f"conversation {conversation_id} does not exist")
        before = conversation.status
        until = snoozed_until if wanted is ConversationStatus.SNOOZED else None
        if before == wanted.value and conversation.snoozed_until == until:
            return False
        conversation.status = wanted.value
        conversation.snoozed_until = until
        conversation.resolved_at = now if wanted is ConversationStatus.RESOLVED else None
        audit.record(
            session,
            "conversation.status_changed",
            actor_agent_id=actor_agent_id,
            contact_id=conversation.contact_id,
            conversation_id=conversation.id,
            before=before,
            after=wanted.value,
            snoozed_until=until.isoformat() if until else None,
        )
        await enqueue_webhook_events(
            session,
            CONVERSATION_STATUS_CHANGED,
            [
                {
                    "conversation_id": conversation.id,
                    "status": wanted.value,
                    "previous_status": before,
                    "snoozed_until": until.isoformat() if until else None,
                    "actor_agent_id": actor_agent_id,
                }
            ],
        )
        if wanted is ConversationStatus.RESOLVED:
            await after_resolution(session, store.settings, conversation, actor_agent_id, now)
        if before == ConversationStatus.OPEN.value and conversation.assignee_id is not None:
            # Only open conversations occupy an agent, so this one leaving "open" frees capacity.
            await outbox.queue_drain(session, f"conversation {conversation.id} {wanted.value}")
        return True

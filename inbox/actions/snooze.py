"""Waking snoozed conversations whose time has come: back to open, in batches, audited.

Run by a periodic job. Each batch re-reads what is still snoozed and due, so running twice (or in two processes
at once) wakes each conversation once: the UPDATE's own condition is the claim.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from inbox import audit, outbox
from inbox.models import Conversation, ConversationStatus, utcnow
from inbox.store import Store
from inbox.webhook_events import CONVERSATION_STATUS_CHANGED, enqueue_webhook_events

BATCH = 500


async def do_wake_snoozed(store: Store, *, now: datetime | None = None, batch_size: int = BATCH) -> int:
    """Reopen every conversation snoozed until ``now`` or earlier; returns how many woke."""
    now = now or utcnow()
    woken = 0
    while True:
        seen, woke = await _wake_batch(store, now, batch_size)
        woken += woke
        if seen < batch_size:
            return woken


async def _wake_batch(store: Store, now: datetime, batch_size: int) -> tuple[int, int]:
    """How many were due, and how many of those this call woke."""
    async with store.write() as session:
        due = (
            await session.execute(
                select(Conversation.id, Conversation.contact_id, Conversation.assignee_id, Conversation.snoozed_until)
                .where(
                    Conversation.status == ConversationStatus.SNOOZED.value,
                    Conversation.snoozed_until <= now,
                )
                .order_by(Conversation.snoozed_until, Conversation.id)
                .limit(batch_size)
            )
        ).all()
        woke = 0
        waiting = False
        changes: list[dict[str, object]] = []
        for conversation_id, contact_id, assignee_id, until in due:
            changed = await session.execute(
                update(Conversation)
                .where(Conversation.id == conversation_id, Conversation.status == ConversationStatus.SNOOZED.value)
                .values(status=ConversationStatus.OPEN.value, snoozed_until=None)
            )
            if changed.rowcount != 1:  # type: ignore[attr-defined]
                continue
            woke += 1
            waiting = waiting or assignee_id is None
            audit.record(
                session,
                "conversation.status_changed",
                contact_id=contact_id,
                conversation_id=conversation_id,
                before=ConversationStatus.SNOOZED.value,
                after=ConversationStatus.OPEN.value,
                reason="the snooze ended",
                snoozed_until=until.isoformat() if until else None,
            )
            changes.append(
                {
                    "conversation_id": conversation_id,
                    "status": ConversationStatus.OPEN.value,
                    "previous_status": ConversationStatus.SNOOZED.value,
                    "snoozed_until": None,
                    "actor_agent_id": None,
                }
            )
        # Subscribers hear of a snooze ending like any other status change, in the same transaction.
        await enqueue_webhook_events(session, CONVERSATION_STATUS_CHANGED, changes)
        if waiting:
            # Unassigned work is back in the queue: let the router look at it now rather than at its next round.
            await outbox.queue_drain(session, "snoozed conversations woke")
        return len(due), woke

"""Working through follow-up visits: marking one done with its outcome, or moving it to another day."""

from __future__ import annotations

from datetime import datetime

from inbox import audit
from inbox.models import FollowUp, FollowUpStatus, utcnow
from inbox.store import Store

MAX_OUTCOME_CHARS = 2000


class FollowUpRefused(Exception):
    """The change cannot be made; the reason is written for the agent."""


async def do_complete_follow_up(store: Store, *, follow_up_id: int, agent_id: int, outcome: str) -> bool:
    """Mark done; False when it was done already (a second click changes nothing)."""
    outcome = outcome.strip()
    if len(outcome) > MAX_OUTCOME_CHARS:
        raise FollowUpRefused(f"the outcome is limited to {MAX_OUTCOME_CHARS} characters")
    async with store.write() as session:
        follow_up = await session.get(FollowUp, follow_up_id)
        if follow_up is None:
            raise FollowUpRefused(f"follow-up {follow_up_id} does not exist")
        if follow_up.status == FollowUpStatus.DONE:
            return False
        follow_up.status = FollowUpStatus.DONE
        follow_up.outcome = outcome
        follow_up.done_at = utcnow()
        follow_up.done_by_agent_id = agent_id
        audit.record(
            session,
            "follow_up.done",
            actor_agent_id=agent_id,
            contact_id=follow_up.contact_id,
            conversation_id=follow_up.conversation_id,
            follow_up_id=follow_up.id,
            outcome=outcome,
        )
        return True


async def do_reschedule_follow_up(store: Store, *, follow_up_id: int, agent_id: int, due_at: datetime) -> None:
    if due_at.tzinfo is None:
        raise FollowUpRefused("the new time needs a time zone")
    if due_at <= utcnow():
        raise FollowUpRefused("a follow-up can only be moved to a time in the future")
    async with store.write() as session:
        follow_up = await session.get(FollowUp, follow_up_id)
        if follow_up is None:
            raise FollowUpRefused(f"follow-up {follow_up_id} does not exist")
        if follow_up.status == FollowUpStatus.DONE:
            raise FollowUpRefused("this follow-up is done already")
        before = follow_up.due_at
        follow_up.due_at = due_at
        follow_up.reschedules += 1
        audit.record(
            session,
            "follow_up.rescheduled",
            actor_agent_id=agent_id,
            contact_id=follow_up.contact_id,
            conversation_id=follow_up.conversation_id,
            follow_up_id=follow_up.id,
            before=before.isoformat(),
            after=due_at.isoformat(),
        )

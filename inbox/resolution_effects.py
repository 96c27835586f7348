"""What resolving a conversation starts, inside the resolving transaction: the complaint case is closed on its
recovery clock, a resolved complaint books a follow-up visit for the resolving agent, and a satisfaction survey
is queued to go out on the customer's channel after a short delay."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from inbox import audit, outbox
from inbox.models import ComplaintCase, Conversation, FollowUp, FollowUpStatus
from inbox.settings import Settings
from inbox.upsert import insert_if_absent


def resolution_key(conversation_id: int, resolved_at: datetime) -> str:
    """Names one resolution of a conversation: a conversation resolved, reopened and resolved again has two."""
    return f"{conversation_id}:{int(resolved_at.timestamp() * 1_000_000)}"


async def after_resolution(
    session: AsyncSession, settings: Settings, conversation: Conversation, actor_agent_id: int | None, now: datetime
) -> None:
    key = resolution_key(conversation.id, now)
    owner = actor_agent_id if actor_agent_id is not None else conversation.assignee_id
    await session.execute(
        update(ComplaintCase)
        .where(ComplaintCase.conversation_id == conversation.id, ComplaintCase.recovered_at.is_(None))
        .values(recovered_at=now)
    )
    if conversation.is_complaint and settings.recovery.enabled:
        due = now + timedelta(days=settings.recovery.follow_up_days)
        booked = await insert_if_absent(
            session,
            FollowUp,
            {
                "key": key,
                "conversation_id": conversation.id,
                "contact_id": conversation.contact_id,
                "agent_id": owner,
                "due_at": due,
                "status": FollowUpStatus.PENDING,
                "outcome": "",
                "reschedules": 0,
                "created_at": now,
            },
            ["key"],
        )
        if booked is not None:
            audit.record(
                session,
                "follow_up.booked",
                actor_agent_id=actor_agent_id,
                contact_id=conversation.contact_id,
                conversation_id=conversation.id,
                follow_up_id=booked,
                agent_id=owner,
                due_at=due.isoformat(),
            )
    if settings.satisfaction.enabled:
        payload = {"conversation_id": conversation.id, "resolution": key, "agent_id": conversation.assignee_id or owner}
        run_after = now + timedelta(minutes=settings.satisfaction.delay_minutes)
        await outbox.enqueue(session, "survey", f"survey:{key}", payload, run_after=run_after)

"""An agent flagging a conversation as a complaint that detection missed (an informal complaint said in other
words, a complaint made by phone): the same case and recovery deadline as a detected one, audited."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from inbox import audit
from inbox.complaints import start_recovery_clock
from inbox.models import ComplaintCase, Conversation, utcnow
from inbox.settings import RecoverySection
from inbox.store import Store

AGENT_SIGNAL = "flagged by an agent"
MAX_REASON_CHARS = 1000


class ComplaintRefused(Exception):
    """The conversation cannot be flagged; the reason is written for the agent."""


async def do_flag_complaint(
    store: Store, section: RecoverySection, *, conversation_id: int, agent_id: int | None, reason: str
) -> int:
    """Open (or reopen) the complaint case; returns its id."""
    reason = reason.strip()
    if not reason:
        raise ComplaintRefused("say what the customer complains about")
    if len(reason) > MAX_REASON_CHARS:
        raise ComplaintRefused(f"the reason is limited to {MAX_REASON_CHARS} characters")
    now = utcnow()
    due = now + timedelta(hours=section.recovery_sla_hours)
    async with store.write() as session:
        conversation = await session.get(Conversation, conversation_id)
        if conversation is None:
            raise ComplaintRefused(f"conversation {conversation_id} does not exist")
        found = await session.execute(select(ComplaintCase).where(ComplaintCase.conversation_id == conversation_id))
        case = found.scalar_one_or_none()
        if case is not None and case.recovered_at is None:
            raise ComplaintRefused("this conversation is already an open complaint")
        if case is None:
            case = ComplaintCase(
                conversation_id=conversation.id,
                contact_id=conversation.contact_id,
                signal=AGENT_SIGNAL,
                detected_at=now,
                recovery_due_at=due,
            )
            session.add(case)
        else:
            case.signal, case.message_id, case.recovery_due_at, case.recovered_at = AGENT_SIGNAL, None, due, None
        conversation.is_complaint = True
        start_recovery_clock(conversation, due, now)
        await session.flush()
        audit.record(
            session,
            "complaint.flagged",
            actor_agent_id=agent_id,
            contact_id=conversation.contact_id,
            conversation_id=conversation.id,
            reason=reason,
            recovery_due_at=due.isoformat(),
        )
        return case.id

"""What the pages show about service recovery: a conversation's complaint case, remedies, follow-ups, repeat
contacts and survey answers; the list of complaint cases with breached recovery deadlines. Read only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from inbox.access import Viewer, conversation_scope
from inbox.models import Agent, ComplaintCase, Conversation, FollowUp, RemedyGiven, RepeatContact, Survey


def breached(case: ComplaintCase, now: datetime) -> bool:
    """Past its recovery deadline: still unresolved after it, or resolved only after it."""
    return (case.recovered_at or now) > case.recovery_due_at


@dataclass(frozen=True, slots=True)
class RemedyLine:
    remedy: str
    note: str
    agent_name: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class RepeatLine:
    conversation_id: int
    original_conversation_id: int
    reason: str
    source: str
    created_at: datetime


@dataclass
class RecoveryPanel:
    remedy_menu: Sequence[str]
    case: ComplaintCase | None = None
    case_breached: bool = False
    remedies: list[RemedyLine] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)
    repeats: list[RepeatLine] = field(default_factory=list)
    surveys: list[Survey] = field(default_factory=list)

    @property
    def latest_answer(self) -> Survey | None:
        answered = [s for s in self.surveys if s.score is not None]
        return answered[-1] if answered else None


async def recovery_panel(
    session: AsyncSession, conversation_id: int, remedy_menu: Sequence[str], now: datetime
) -> RecoveryPanel:
    panel = RecoveryPanel(remedy_menu=remedy_menu)
    panel.case = (
        await session.execute(select(ComplaintCase).where(ComplaintCase.conversation_id == conversation_id))
    ).scalar_one_or_none()
    panel.case_breached = panel.case is not None and breached(panel.case, now)
    remedies = await session.execute(
        select(RemedyGiven, Agent.name)
        .outerjoin(Agent, Agent.id == RemedyGiven.agent_id)
        .where(RemedyGiven.conversation_id == conversation_id)
        .order_by(RemedyGiven.created_at, RemedyGiven.id)
    )
    panel.remedies = [RemedyLine(r.remedy, r.note, name, r.created_at) for r, name in remedies.all()]
    follow_ups = await session.execute(
        select(FollowUp).where(FollowUp.conversation_id == conversation_id).order_by(FollowUp.due_at)
    )
    panel.follow_ups = list(follow_ups.scalars())
    repeats = await session.execute(
        select(RepeatContact)
        .where(
            or_(
                RepeatContact.conversation_id == conversation_id,
                RepeatContact.original_conversation_id == conversation_id,
            )
        )
        .order_by(RepeatContact.created_at, RepeatContact.id)
    )
    panel.repeats = [
        RepeatLine(r.conversation_id, r.original_conversation_id, r.reason, r.source, r.created_at)
        for r in repeats.scalars()
    ]
    surveys = await session.execute(
        select(Survey).where(Survey.conversation_id == conversation_id).order_by(Survey.sent_at, Survey.id)
    )
    panel.surveys = list(surveys.scalars())
    return panel


@dataclass(frozen=True, slots=True)
class CaseLine:
    case: ComplaintCase
    subject: str | None
    channel: str
    status: str
    assignee_name: str | None
    breached: bool


async def complaint_cases(
    session: AsyncSession, viewer: Viewer, now: datetime, *, breached_only: bool, open_only: bool, limit: int = 200
) -> list[CaseLine]:
    """Complaint cases the viewer may see, those nearest their deadline (or longest past it) first."""
    assignee = aliased(Agent)
    query = (
        select(ComplaintCase, Conversation.subject, Conversation.channel, Conversation.status, assignee.name)
        .join(Conversation, Conversation.id == ComplaintCase.conversation_id)
        .outerjoin(assignee, assignee.id == Conversation.assignee_id)
        .where(conversation_scope(viewer))
    )
    if open_only:
        query = query.where(ComplaintCase.recovered_at.is_(None))
    if breached_only:
        late = ComplaintCase.recovered_at > ComplaintCase.recovery_due_at
        overdue = ComplaintCase.recovered_at.is_(None) & (ComplaintCase.recovery_due_at < now)
        query = query.where(or_(late, overdue))
    rows = await session.execute(query.order_by(ComplaintCase.recovery_due_at, ComplaintCase.id).limit(limit))
    return [
        CaseLine(case, subject, channel, status, name, breached(case, now))
        for case, subject, channel, status, name in rows.all()
    ]

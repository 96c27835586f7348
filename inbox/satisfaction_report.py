"""Satisfaction results for the supervisor's view: response rate, average score and CSAT (the share of answers
scoring 4 or 5) per agent, per channel, and for complaint handling apart from ordinary service. Read only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from inbox.access import Viewer, conversation_scope
from inbox.models import Agent, Conversation, Survey, SurveyStatus

SATISFIED_FROM = 4


@dataclass(frozen=True, slots=True)
class Line:
    label: str
    asked: int
    answered: int
    average: float | None
    satisfied: int

    @property
    def response_rate(self) -> float | None:
        return self.answered / self.asked if self.asked else None

    @property
    def csat(self) -> float | None:
        return self.satisfied / self.answered if self.answered else None


@dataclass(frozen=True, slots=True)
class Report:
    start: datetime
    end: datetime
    overall: Line
    skipped: int
    by_agent: list[Line]
    by_channel: list[Line]
    complaints: Line
    others: Line


def _measures() -> tuple[Any, ...]:
    answered = Survey.score.is_not(None)
    return (
        func.count(Survey.id),
        func.count(Survey.score),
        func.avg(Survey.score),
        func.sum(case((answered & (Survey.score >= SATISFIED_FROM), 1), else_=0)),
    )


def _line(label: str, row: Any) -> Line:
    asked, answered, average, satisfied = row
    return Line(
        label, int(asked or 0), int(answered or 0), float(average) if average is not None else None, int(satisfied or 0)
    )


async def satisfaction_report(session: AsyncSession, viewer: Viewer, start: datetime, end: datetime) -> Report:
    """Surveys asked from ``start`` up to ``end`` in conversations the viewer may read."""
    asked = (
        select(Survey.id)
        .join(Conversation, Conversation.id == Survey.conversation_id)
        .where(
            Survey.sent_at >= start,
            Survey.sent_at < end,
            Survey.status != SurveyStatus.SKIPPED,
            conversation_scope(viewer),
        )
        .scalar_subquery()
    )
    in_range = Survey.id.in_(asked)
    overall = (await session.execute(select(*_measures()).where(in_range))).one()
    agents = await session.execute(
        select(func.coalesce(Agent.name, "nobody"), *_measures())
        .select_from(Survey)
        .outerjoin(Agent, Agent.id == Survey.agent_id)
        .where(in_range)
        .group_by(Survey.agent_id, Agent.name)
        .order_by(func.coalesce(Agent.name, "nobody"))
    )
    channels = await session.execute(
        select(Survey.channel, *_measures()).where(in_range).group_by(Survey.channel).order_by(Survey.channel)
    )
    kinds = await session.execute(select(Survey.complaint, *_measures()).where(in_range).group_by(Survey.complaint))
    by_kind = {bool(row[0]): _line("", row[1:]) for row in kinds.all()}
    skipped = await session.execute(
        select(func.count(Survey.id))
        .join(Conversation, Conversation.id == Survey.conversation_id)
        .where(
            Survey.sent_at >= start,
            Survey.sent_at < end,
            Survey.status == SurveyStatus.SKIPPED,
            conversation_scope(viewer),
        )
    )
    empty = Line("", 0, 0, None, 0)
    return Report(
        start=start,
        end=end,
        overall=_line("all", overall),
        skipped=int(skipped.scalar_one()),
        by_agent=[_line(str(row[0]), row[1:]) for row in agents.all()],
        by_channel=[_line(str(row[0]), row[1:]) for row in channels.all()],
        complaints=by_kind.get(True, empty),
        others=by_kind.get(False, empty),
    )

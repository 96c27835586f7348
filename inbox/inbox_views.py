"""The agents' inbox: views (Mine, Unassigned, My teams, All), filters, counts, in the order work is served.

Read-only. Order follows the router: higher tiers first, then who has waited longest. The customer's tier is
carried on the conversation (``Conversation.tier_rank``) so that the serving order is an index's order.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    ScalarSelect,
    Select,
    String,
    Subquery,
    and_,
    cast,
    func,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from inbox.access import Viewer
from inbox.models import Agent, Contact, Conversation, ConversationStatus, Team, utcnow
from inbox.query_plans import plan_for_these_values
from inbox.upsert import dialect_name
from inbox.view_reach import View as View
from inbox.view_reach import view_reach

TIER_ORDER = ("platinum", "gold", "silver", "bronze")
PAGE_SIZE = 50
COUNT_CAP = 1000


def views_for(viewer: Viewer) -> list[View]:
    """All is for those who oversee: an agent's All would be the same as their other views together."""
    if not viewer.reads_conversations:
        return []
    views = [View.MINE, View.UNASSIGNED, View.TEAMS]
    if viewer.oversees_teams:
        views.append(View.ALL)
    return views


@dataclass(frozen=True, slots=True)
class Filters:
    channel: str | None = None
    status: str | None = "open"
    tier: str | None = None
    team_id: int | None = None
    label: str | None = None
    complaint: bool | None = None
    # Past the conversation's own first-response or resolution due time, without that having happened.
    sla_breached: bool | None = None


@dataclass(frozen=True, slots=True)
class InboxRow:
    conversation_id: int
    subject: str | None
    channel: str
    status: str
    contact_id: int
    contact_name: str | None
    tier: str
    is_complaint: bool
    labels: list[str]
    assignee_name: str | None
    team_name: str | None
    last_message_at: str


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filter_clauses(filters: Filters, dialect: str) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if filters.channel:
        clauses.append(Conversation.channel == filters.channel)
    if filters.status:
        clauses.append(Conversation.status == filters.status)
    if filters.tier:
        clauses.append(_tier_clause(filters.tier))
    if filters.team_id is not None:
        clauses.append(Conversation.team_id == filters.team_id)
    if filters.label and dialect == "postgresql":
        # JSONB containment: each row's labels checked as they are stored, where their text would be rebuilt.
        clauses.append(type_coerce(Conversation.labels, JSONB).contains([filters.label]))
    elif filters.label:
        # Labels are a JSON list; its text form holds each label as a JSON string.
        needle = "%" + _escape_like(json.dumps(filters.label)) + "%"
        clauses.append(cast(Conversation.labels, String).like(needle, escape="\\"))
    if filters.complaint is not None:
        clauses.append(Conversation.is_complaint.is_(filters.complaint))
    if filters.sla_breached is not None:
        clauses.append(_sla_breached(utcnow()) if filters.sla_breached else _sla_kept(utcnow()))
    return clauses


def _sla_breached(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(Conversation.first_response_at.is_(None), Conversation.first_response_due_at <= now),
        and_(Conversation.resolved_at.is_(None), Conversation.resolution_due_at <= now),
    )


def _sla_kept(now: datetime) -> ColumnElement[bool]:
    # Spelled out rather than negated: a missing due time is kept, where NOT over NULL would drop the row.
    return and_(
        or_(
            Conversation.first_response_at.is_not(None),
            Conversation.first_response_due_at.is_(None),
            Conversation.first_response_due_at > now,
        ),
        or_(
            Conversation.resolved_at.is_not(None),
            Conversation.resolution_due_at.is_(None),
            Conversation.resolution_due_at > now,
        ),
    )


def _base(viewer: Viewer, view: View, filters: Filters, dialect: str) -> Select[int]:
    return select(Conversation.id).where(view_reach(viewer, view), *_filter_clauses(filters, dialect))


class ViewCount(int):
    """A view's size, counted up to ``COUNT_CAP`` and no further: past it a page load would count a million rows
    for a figure nobody reads exactly. ``COUNT_CAP + 1`` stands for "more than the cap" and reads "1,000+"."""

    @property
    def capped(self) -> bool:
        return self > COUNT_CAP

    def __str__(self) -> str:
        return f"{COUNT_CAP:,}+" if self.capped else str(int(self))


async def view_counts(session: AsyncSession, viewer: Viewer, filters: Filters) -> dict[View, int]:
    """Each view's count, capped (see ``ViewCount``): each costs at most ``COUNT_CAP + 1`` index entries. All of
    them in one statement: a page load pays one round trip for its counts, not one per view."""
    views = views_for(viewer)
    if not views:
        return {}
    await plan_for_these_values(session)
    dialect = dialect_name(session)
    counts = [_capped_count(viewer, view, filters, dialect) for view in views]
    row = (await session.execute(select(*counts))).one()
    return {view: ViewCount(int(count)) for view, count in zip(views, row, strict=True)}


def _capped_count(viewer: Viewer, view: View, filters: Filters, dialect: str) -> ScalarSelect[int]:
    capped = _base(viewer, view, filters, dialect).limit(COUNT_CAP + 1).subquery()
    return select(func.count()).select_from(capped).scalar_subquery()


def tier_rank(tier: str) -> int:
    """The rank ``Conversation.tier_rank`` holds for a customer of this tier (the store's triggers write it)."""
    return TIER_ORDER.index(tier) if tier in TIER_ORDER else len(TIER_ORDER) - 1


def _tier_clause(tier: str) -> ColumnElement[bool]:
    rank = Conversation.tier_rank == tier_rank(tier)
    if tier in TIER_ORDER:
        return rank
    # A tier the inbox does not rank shares bronze's rank: only its customers' own tier tells it apart.
    return and_(rank, Conversation.contact_id.in_(select(Contact.id).where(Contact.tier == tier)))


def _page(viewer: Viewer, view: View, filters: Filters, dialect: str, *, limit: int, offset: int) -> Subquery:
    """The ids on one page, in serving order: higher tiers first, then the longest wait.

    The order is held by the serving indexes (status, tier rank, wait), so a page is a walk that stops when it has
    enough. Without a status filter each status is walked in its own index range, each walk cut at the page's end,
    and the few rows left are merged: ranking every conversation of the view first would cost the whole view.
    """
    reach = view_reach(viewer, view)
    clauses = _filter_clauses(filters, dialect)
    columns = (Conversation.id, Conversation.tier_rank, Conversation.last_message_at)
    order = (Conversation.tier_rank, Conversation.last_message_at, Conversation.id)
    if filters.status:
        walked = select(*columns).where(reach, *clauses).subquery()
    else:
        # Every write path sets one of these (``actions.status`` refuses any other), so together they are all.
        walks = [
            select(*columns)
            .where(reach, Conversation.status == status.value, *clauses)
            .order_by(*order)
            .limit(limit + offset)
            .subquery()
            for status in ConversationStatus
        ]
        walked = union_all(*(select(walk) for walk in walks)).subquery()
    return (
        select(walked.c.id, walked.c.tier_rank)
        .order_by(walked.c.tier_rank, walked.c.last_message_at, walked.c.id)
        .limit(limit)
        .offset(offset)
        .subquery()
    )


async def inbox_rows(
    session: AsyncSession, viewer: Viewer, view: View, filters: Filters, *, limit: int = PAGE_SIZE, offset: int = 0
) -> list[InboxRow]:
    if view not in views_for(viewer):
        return []
    await plan_for_these_values(session)
    page = _page(viewer, view, filters, dialect_name(session), limit=limit, offset=offset)
    query = (
        select(Conversation, Contact.name, Contact.tier, Agent.name, Team.name)
        .join(page, page.c.id == Conversation.id)
        .join(Contact, Contact.id == Conversation.contact_id)
        .outerjoin(Agent, Agent.id == Conversation.assignee_id)
        .outerjoin(Team, Team.id == Conversation.team_id)
        .order_by(page.c.tier_rank, Conversation.last_message_at, Conversation.id)
    )
    rows = []
    for conversation, contact_name, tier, assignee_name, team_name in (await session.execute(query)).all():
        rows.append(
            InboxRow(
                conversation_id=conversation.id,
                subject=conversation.subject,
                channel=conversation.channel,
                status=conversation.status,
                contact_id=conversation.contact_id,
                contact_name=contact_name,
                tier=tier,
                is_complaint=conversation.is_complaint,
                labels=list(conversation.labels or []),
                assignee_name=assignee_name,
                team_name=team_name,
                last_message_at=conversation.last_message_at.isoformat(),
            )
        )
    return rows


async def teams(session: AsyncSession) -> Sequence[Team]:
    return (await session.execute(select(Team).order_by(Team.name))).scalars().all()


async def handling_agents(session: AsyncSession) -> Sequence[Agent]:
    """Everyone a conversation can be handed to."""
    query = select(Agent).where(Agent.active.is_(True), Agent.role != "marketer").order_by(Agent.name)
    return (await session.execute(query)).scalars().all()

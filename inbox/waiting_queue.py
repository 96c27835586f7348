"""The waiting queue in the store: open, unassigned conversations, taken in the router's priority order.

The order is the router's priority key (arrival minus the tier and boost offset). It is written once as SQL so
that ``ORDER BY … LIMIT … FOR UPDATE SKIP LOCKED`` hands each of several drains the best rows nobody else holds;
the claimed rows are then put in order again with ``router.priority_key`` itself, which stays the authority.
Read-only apart from the row locks: an action decides what to do with the rows.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import ColumnElement, Float, case, cast, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from inbox.models import Contact, Conversation, ConversationStatus, Message
from inbox.offer_queries import asked_during_wait
from inbox.queries import live_contact
from router import Boosts, PriorityOffsets, RelationshipClass, Tier, WorkItem, priority_key


@dataclass(frozen=True, slots=True)
class Waiting:
    item: WorkItem
    key: float


def epoch_seconds(column: InstrumentedAttribute[datetime], dialect: str) -> ColumnElement[float]:
    if dialect == "postgresql":
        return cast(func.extract("epoch", column), Float)
    # SQLite keeps timestamps as text; julianday reads it, and day 2440587.5 is the POSIX epoch.
    return (func.julianday(column) - 2440587.5) * 86400.0


def offset_sql(offsets: PriorityOffsets) -> ColumnElement[float]:
    """``PriorityOffsets.total`` for a conversation row joined to its contact. Boosts the store does not know
    (an SLA at risk) are not part of it, as ``work_item`` does not set them either."""
    tier = case(
        {name.name.lower(): float(seconds) for name, seconds in offsets.tier.items()},
        value=Contact.tier,
        else_=0.0,
    )
    total = (
        tier
        + case((Conversation.is_complaint.is_(True), offsets.open_complaint), else_=0.0)
        + case(
            (Contact.relationship_class == RelationshipClass.AT_RISK.value, offsets.at_risk_customer),
            else_=0.0,
        )
        + case((Contact.is_key_account.is_(True), offsets.key_account), else_=0.0)
    )
    return case((total > offsets.max_total, literal(offsets.max_total)), else_=total)


async def _last_agents(session: AsyncSession, conversation_ids: list[int]) -> dict[int, int | None]:
    """Who last wrote in each conversation, asked only for the claimed rows: inside the claim it would be
    looked up for every waiting row before the sort."""
    last = (
        select(Message.sender_agent_id)
        .where(Message.conversation_id == Conversation.id, Message.sender_agent_id.is_not(None))
        .order_by(Message.id.desc())
        .limit(1)
        .correlate(Conversation)
        .scalar_subquery()
    )
    rows = await session.execute(select(Conversation.id, last).where(Conversation.id.in_(conversation_ids)))
    return {conversation_id: agent_id for conversation_id, agent_id in rows.all()}


_TIERS = {tier.name.lower(): tier for tier in Tier}

# What a work item is made of: the conversation's routing columns and its customer's.
_COLUMNS = (
    Conversation.id,
    Conversation.channel,
    Conversation.last_message_at,
    Conversation.is_complaint,
    Conversation.team_id,
    Contact.tier,
    Contact.relationship_class,
    Contact.is_key_account,
    Contact.owner_agent_id,
    Contact.language,
)


def _item(row: Any, last_agent_id: int | None, asked: frozenset[int] = frozenset()) -> WorkItem:
    """The same item ``routing_snapshots.work_item`` makes, from the few columns the claim reads: loading
    whole rows (sealed customer fields included) would cost more than the decision. ``asked`` are the agents
    already offered it during this wait: the router passes over them."""
    return WorkItem(
        conversation_id=row.id,
        channel=row.channel,
        arrived_at=row.last_message_at.timestamp(),
        tier=_TIERS.get(row.tier.lower(), Tier.BRONZE),
        boosts=Boosts(
            open_complaint=row.is_complaint,
            at_risk_customer=row.relationship_class == RelationshipClass.AT_RISK.value,
            key_account=row.is_key_account,
        ),
        owner_agent_id=row.owner_agent_id,
        last_agent_id=last_agent_id,
        team_id=row.team_id,
        language=row.language,
        declined_by=asked,
    )


async def claim_waiting(
    session: AsyncSession,
    *,
    limit: int,
    offsets: PriorityOffsets,
    dialect: str,
    skip: Collection[int] = (),
    offered_channels: Collection[str] | None = None,
) -> list[Waiting]:
    """Lock up to ``limit`` waiting conversations, best first, passing over rows another transaction holds
    (PostgreSQL; SQLite has one writer at a time, so nothing is held). ``skip`` leaves out conversations the
    caller has already found no agent for. Agents already asked are looked up for conversations on
    ``offered_channels`` (every channel when None): only those are ever offered."""
    key = epoch_seconds(Conversation.last_message_at, dialect) - offset_sql(offsets)
    query = (
        select(*_COLUMNS)
        .join(Contact, Contact.id == Conversation.contact_id)
        .where(Conversation.status == ConversationStatus.OPEN.value, Conversation.assignee_id.is_(None))
        .order_by(key, Conversation.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=Conversation)
    )
    if skip:
        query = query.where(Conversation.id.not_in(list(skip)))
    rows = (await session.execute(query)).all()
    if not rows:
        return []
    ids = [row.id for row in rows]
    last_agents = await _last_agents(session, ids)
    asked = await asked_during_wait(session, _offerable(rows, offered_channels))
    return in_priority_order(
        [_item(row, last_agents.get(row.id), asked.get(row.id, frozenset())) for row in rows], offsets
    )


async def waiting_among(
    session: AsyncSession,
    conversation_ids: Collection[int],
    offsets: PriorityOffsets,
    offered_channels: Collection[str] | None = None,
) -> list[Waiting]:
    """Those of ``conversation_ids`` that still wait for an agent (open, unassigned), best first, read without
    locks: a route job decides on them outside any transaction and claims them afterwards. ``offered_channels``
    as for ``claim_waiting``."""
    if not conversation_ids:
        return []
    query = (
        select(*_COLUMNS, Contact.id.label("contact_id"), Contact.merged_into_id)
        .join(Contact, Contact.id == Conversation.contact_id)
        .where(
            Conversation.id.in_(sorted(conversation_ids)),
            Conversation.status == ConversationStatus.OPEN.value,
            Conversation.assignee_id.is_(None),
        )
    )
    rows = (await session.execute(query)).all()
    if not rows:
        return []
    last_agents = await _last_agents(session, [row.id for row in rows])
    asked = await asked_during_wait(session, _offerable(rows, offered_channels))
    items = []
    for row in rows:
        # A conversation left on a merged-away record is routed for the customer it now belongs to.
        source = row if row.merged_into_id is None else _merged_view(row, await live_contact(session, row.contact_id))
        items.append(_item(source, last_agents.get(row.id), asked.get(row.id, frozenset())))
    return in_priority_order(items, offsets)


def _offerable(rows: Sequence[Any], channels: Collection[str] | None) -> list[int]:
    """The rows whose conversation may have been offered: asking about the others would be a wasted read."""
    return [row.id for row in rows if channels is None or row.channel in channels]


def _merged_view(row: Any, contact: Contact) -> Any:
    values = row._asdict()
    for name in ("tier", "relationship_class", "is_key_account", "owner_agent_id", "language"):
        values[name] = getattr(contact, name)
    return SimpleNamespace(**values)


def in_priority_order(items: Sequence[WorkItem], offsets: PriorityOffsets) -> list[Waiting]:
    ranked = [Waiting(item, priority_key(item.arrived_at, item.tier, item.boosts, offsets)) for item in items]
    ranked.sort(key=lambda waiting: (waiting.key, waiting.item.conversation_id))
    return ranked

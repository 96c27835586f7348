"""Read queries over segments: the live count, sample members, and the address each member is reached at."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, case, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from inbox.models import Contact, ContactIdentity, Segment
from inbox.segments import consent_clause, segment_clause

# The identity kind a campaign channel addresses.
ADDRESS_KIND = {"email": "email", "sms": "phone"}


@dataclass(frozen=True, slots=True)
class SegmentCount:
    members: int
    email_reachable: int
    sms_reachable: int


def address_of(channel: str) -> ScalarSelect[str]:
    """The customer's first address of the kind ``channel`` sends to (the one recorded first)."""
    # min(id) over the customer's identities, not ORDER BY id LIMIT 1: given the latter, PostgreSQL may walk the
    # whole identities table in id order for every customer instead of using the index on contact_id.
    first = aliased(ContactIdentity)
    first_id = (
        select(func.min(first.id))
        .where(first.contact_id == Contact.id, first.kind == ADDRESS_KIND[channel])
        .correlate(Contact)
        .scalar_subquery()
    )
    return select(ContactIdentity.value).where(ContactIdentity.id == first_id).correlate(Contact).scalar_subquery()


def has_address(channel: str) -> ColumnElement[bool]:
    """An EXISTS the planner turns into a semi-join: cheap for counting a whole segment."""
    return exists(
        select(ContactIdentity.id).where(
            ContactIdentity.contact_id == Contact.id, ContactIdentity.kind == ADDRESS_KIND[channel]
        )
    )


def reachable_clause(channel: str, require_consent: bool) -> ColumnElement[bool]:
    return consent_clause(channel, "granted" if require_consent else "not_opted_out")


async def count_segment(
    session: AsyncSession,
    rules: Mapping[str, Any],
    *,
    dialect: str,
    now: datetime,
    sensitive: Collection[str],
    require_consent: bool,
) -> SegmentCount:
    clause = segment_clause(rules, dialect=dialect, now=now, sensitive=sensitive)
    email = has_address("email") & reachable_clause("email", require_consent)
    sms = has_address("sms") & reachable_clause("sms", require_consent)
    row = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(case((email, 1), else_=0)), 0),
                func.coalesce(func.sum(case((sms, 1), else_=0)), 0),
            )
            .select_from(Contact)
            .where(clause)
        )
    ).one()
    return SegmentCount(int(row[0]), int(row[1]), int(row[2]))


async def sample_members(
    session: AsyncSession,
    rules: Mapping[str, Any],
    *,
    channel: str,
    dialect: str,
    now: datetime,
    sensitive: Collection[str],
    limit: int,
) -> list[tuple[int, str]]:
    """Up to ``limit`` members with an address on ``channel``: (contact id, address), lowest ids first."""
    clause = segment_clause(rules, dialect=dialect, now=now, sensitive=sensitive)
    address = address_of(channel).label("address")
    inner = select(Contact.id, address).where(clause).subquery()
    rows = await session.execute(
        select(inner.c.id, inner.c.address).where(inner.c.address.is_not(None)).order_by(inner.c.id).limit(limit)
    )
    return [(int(contact_id), str(value)) for contact_id, value in rows.all()]


async def list_segments(session: AsyncSession) -> list[Segment]:
    return list((await session.execute(select(Segment).order_by(Segment.name))).scalars())


async def get_segment(session: AsyncSession, segment_id: int) -> Segment | None:
    return await session.get(Segment, segment_id)

"""Reading a person's notifications: the unread count for the header and the list page. Never commits."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from inbox.models import Notification

LIST_LIMIT = 100


async def unread_count(session: AsyncSession, agent_id: int) -> int:
    found = await session.execute(
        select(func.count())
        .select_from(Notification)
        .where(Notification.agent_id == agent_id, Notification.read_at.is_(None))
    )
    return int(found.scalar_one())


async def recent(session: AsyncSession, agent_id: int, limit: int = LIST_LIMIT) -> Sequence[Notification]:
    """Unread first, then newest first."""
    found = await session.execute(
        select(Notification)
        .where(Notification.agent_id == agent_id)
        .order_by(Notification.read_at.is_not(None), Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    )
    return found.scalars().all()

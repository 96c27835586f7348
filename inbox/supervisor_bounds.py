"""Where "since this morning" starts in a table that has no index on its time column: the first id at or after a
moment, found by a binary search over the primary key.

Rows get their ids and their creation times as they are written, so ids grow with time; a handful of
primary-key lookups (about 25 for ten million rows) find the boundary, and the period's query then reads only the
rows from there on, instead of scanning the whole table for the date. Concurrent writers may commit a few ids out
of time order, so the boundary is moved back by a margin; the query keeps its time condition, so nothing outside
the period is counted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

# Ids that concurrent transactions may hand out before an earlier-stamped row commits: generous, and cheap.
REORDER_MARGIN = 1000


async def first_id_since(
    session: AsyncSession,
    id_column: InstrumentedAttribute[Any],
    time_column: InstrumentedAttribute[Any],
    since: datetime,
) -> int | None:
    """An id such that every row stamped at or after ``since`` has an id at least this large (None: the table is
    empty, or nothing is that recent)."""
    low, high = (await session.execute(select(func.min(id_column), func.max(id_column)))).one()
    if low is None or high is None:
        return None
    last_time = (await session.execute(select(time_column).where(id_column == high))).scalar_one_or_none()
    if last_time is None or last_time < since:
        return None
    answer = int(high)
    # The answer is the smallest id stamped at or after ``since``; it lies in [low, answer].
    top = answer - 1
    while low <= top:
        middle = (low + top) // 2
        row = (
            await session.execute(
                select(id_column, time_column).where(id_column >= middle, id_column <= top).order_by(id_column).limit(1)
            )
        ).first()
        if row is None:
            top = middle - 1
        elif row[1] < since:
            low = int(row[0]) + 1
        else:
            answer = int(row[0])
            top = middle - 1
    return max(0, answer - REORDER_MARGIN)

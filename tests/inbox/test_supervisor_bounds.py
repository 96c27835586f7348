"""Finding where a period starts by its ids: exact across gaps, None when nothing is that recent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, insert

from inbox import supervisor_bounds
from inbox.models import Event
from inbox.supervisor_bounds import first_id_since
from workers.context import JobContext

BASE = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)


async def _first(ctx: JobContext, since: datetime) -> int | None:
    async with ctx.store.read() as session:
        return await first_id_since(session, Event.id, Event.created_at, since)


async def test_the_first_id_of_a_period_is_found_across_gaps(ctx: JobContext, monkeypatch: pytest.MonkeyPatch) -> None:
    assert await _first(ctx, BASE) is None
    async with ctx.store.write() as session:
        rows = [{"kind": "test.tick", "data": {}, "created_at": BASE + timedelta(minutes=n)} for n in range(1, 201)]
        await session.execute(insert(Event), rows)
        # Ids start at 1 on a fresh store; the gap stands for rows purged since.
        await session.execute(delete(Event).where(Event.id.between(50, 120)))
    monkeypatch.setattr(supervisor_bounds, "REORDER_MARGIN", 0)
    assert await _first(ctx, BASE + timedelta(minutes=130)) == 130
    assert await _first(ctx, BASE + timedelta(minutes=100)) == 121
    assert await _first(ctx, BASE) == 1
    assert await _first(ctx, BASE + timedelta(minutes=200)) == 200
    assert await _first(ctx, BASE + timedelta(minutes=201)) is None
    monkeypatch.undo()
    assert await _first(ctx, BASE + timedelta(minutes=130)) == 0

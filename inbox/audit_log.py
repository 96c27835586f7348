"""Reading the audit trail: who read or changed which customer, when and from where, filtered and exported.

The application only ever appends to the trail; rows leave it only through the retention purge.
"""

from __future__ import annotations

import csv
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from inbox.models import Event

CSV_COLUMNS = ("id", "created_at", "kind", "actor_agent_id", "contact_id", "conversation_id", "data")
# A cell starting with one of these runs as a formula when the file is opened in a spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class AuditFilter:
    contact_id: int | None = None
    agent_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None

    def query(self) -> Select[Event]:
        query = select(Event)
        if self.contact_id is not None:
            query = query.where(Event.contact_id == self.contact_id)
        if self.agent_id is not None:
            query = query.where(Event.actor_agent_id == self.agent_id)
        if self.since is not None:
            query = query.where(Event.created_at >= self.since)
        if self.until is not None:
            query = query.where(Event.created_at < self.until)
        return query


async def audit_page(
    session: AsyncSession, selection: AuditFilter, *, before_id: int | None = None, limit: int = 100
) -> list[Event]:
    """Newest first, a page at a time: pass the last id seen as ``before_id`` for the next page."""
    query = selection.query().order_by(Event.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(Event.id < before_id)
    return list((await session.execute(query)).scalars())


async def audit_entries(session: AsyncSession, selection: AuditFilter, *, batch: int = 1000) -> AsyncIterator[Event]:
    """Every matching entry, oldest first, read in batches so a long trail never sits in memory at once."""
    last = 0
    while True:
        rows = list(
            (await session.execute(selection.query().where(Event.id > last).order_by(Event.id).limit(batch))).scalars()
        )
        for row in rows:
            yield row
        if len(rows) < batch:
            return
        last = rows[-1].id


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_row(entry: Event) -> list[str]:
    data = json.dumps(entry.data or {}, ensure_ascii=False, sort_keys=True)
    values = (
        entry.id,
        entry.created_at.isoformat(),
        entry.kind,
        entry.actor_agent_id,
        entry.contact_id,
        entry.conversation_id,
        data,
    )
    return [_cell(value) for value in values]


async def write_csv(session: AsyncSession, selection: AuditFilter, stream: IO[str]) -> int:
    writer = csv.writer(stream)
    writer.writerow(CSV_COLUMNS)
    count = 0
    async for entry in audit_entries(session, selection):
        writer.writerow(csv_row(entry))
        count += 1
    return count

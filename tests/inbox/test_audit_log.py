from __future__ import annotations

import csv
import io
import json

from inbox import audit
from inbox.audit_log import AuditFilter, audit_page, write_csv
from tests.support.factories import add_agent
from workers.context import JobContext


async def _trail(ctx: JobContext) -> tuple[int, int]:
    chen = await add_agent(ctx, "Chen Jing")
    li = await add_agent(ctx, "Li Na")
    async with ctx.store.write() as session:
        audit.record(session, "contact.viewed", actor_agent_id=chen, contact_id=1, via="web")
        audit.record(session, "contact.viewed", actor_agent_id=li, contact_id=2, via="api")
        audit.record(session, "contact.updated", actor_agent_id=chen, contact_id=2, note="=HYPERLINK(1)")
    return chen, li


async def test_the_trail_filters_by_customer_and_by_agent(ctx: JobContext) -> None:
    chen, li = await _trail(ctx)
    async with ctx.store.read() as session:
        about_two = await audit_page(session, AuditFilter(contact_id=2))
        by_chen = await audit_page(session, AuditFilter(agent_id=chen))
        both = await audit_page(session, AuditFilter(contact_id=2, agent_id=li))
        first_page = await audit_page(session, AuditFilter(), limit=2)
        next_page = await audit_page(session, AuditFilter(), before_id=first_page[-1].id, limit=2)
    assert [e.kind for e in about_two] == ["contact.updated", "contact.viewed"]
    assert {e.contact_id for e in by_chen} == {1, 2} and all(e.actor_agent_id == chen for e in by_chen)
    assert [(e.actor_agent_id, e.contact_id) for e in both] == [(li, 2)]
    assert len(first_page) == 2 and len(next_page) >= 1
    assert {e.id for e in first_page}.isdisjoint(e.id for e in next_page)


async def test_the_csv_holds_every_entry_and_no_live_formula(ctx: JobContext) -> None:
    chen, _ = await _trail(ctx)
    stream = io.StringIO()
    async with ctx.store.read() as session:
        count = await write_csv(session, AuditFilter(agent_id=chen), stream)
    rows = list(csv.DictReader(io.StringIO(stream.getvalue())))
    assert count == 2 == len(rows)
    assert [r["kind"] for r in rows] == ["contact.viewed", "contact.updated"]
    assert json.loads(rows[0]["data"]) == {"via": "web"}
    # The data column starts with "{" so it stays text; a bare formula would be neutralised.
    assert all(not cell.startswith("=") for row in rows for cell in row.values())

from __future__ import annotations

import csv
import stat
from pathlib import Path

from sqlalchemy import select

from inbox import audit
from inbox.actions.audit_export import do_export_audit
from inbox.audit_log import AuditFilter
from inbox.models import Event
from workers.context import JobContext


async def test_an_export_writes_the_selection_and_is_itself_audited(ctx: JobContext, tmp_path: Path) -> None:
    async with ctx.store.write() as session:
        audit.record(session, "contact.viewed", contact_id=7, via="web")
        audit.record(session, "contact.viewed", contact_id=8, via="web")
    out = tmp_path / "audit.csv"
    assert await do_export_audit(ctx.store, AuditFilter(contact_id=7), out, actor_agent_id=None) == 1
    with out.open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [r["contact_id"] for r in rows] == ["7"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    async with ctx.store.read() as session:
        logged = (await session.execute(select(Event).where(Event.kind == "audit.exported"))).scalar_one()
    assert logged.contact_id == 7 and logged.data["entries"] == 1

"""Exporting the audit trail as CSV; the export itself is recorded in the trail, since it reveals who saw whom."""

from __future__ import annotations

import os
from pathlib import Path

from inbox import audit
from inbox.audit_log import AuditFilter, write_csv
from inbox.store import Store


async def do_export_audit(store: Store, selection: AuditFilter, out_path: Path, *, actor_agent_id: int | None) -> int:
    """Write matching entries to ``out_path`` (readable by its owner only); returns how many were written."""
    partial = out_path.with_name(out_path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "w", newline="", encoding="utf-8") as stream:
            async with store.read() as session:
                count = await write_csv(session, selection, stream)
        os.replace(partial, out_path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    async with store.write() as session:
        audit.record(
            session,
            "audit.exported",
            actor_agent_id=actor_agent_id,
            contact_id=selection.contact_id,
            filter_agent_id=selection.agent_id,
            entries=count,
        )
    return count

"""The audit trail is append-only for the application: only the retention purge removes rows, none updates them.

Every statement the store sends is watched while a broad run of actions works, so the proof covers whatever SQL
the actions produce rather than what their source happens to spell.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event

from channels.base import Attachment as FileIn
from inbox.actions.audit_export import do_export_audit
from inbox.actions.customer_erase import do_erase_customer
from inbox.actions.customer_export import do_export_customer
from inbox.actions.keys import do_rotate_keys
from inbox.actions.privacy import do_reveal_sensitive
from inbox.actions.purge import do_purge
from inbox.actions.quarantine import do_quarantine
from inbox.actions.record_read import do_record_contact_read
from inbox.actions.reply import do_reply
from inbox.actions.status import do_set_status
from inbox.audit_log import AuditFilter
from inbox.models import Contact, Event, utcnow
from inbox.store import Store
from tests.support.factories import add_agent, inbound, ingest, update_contact
from tests.support.privacy import KEY_A, KEY_B, keyed_store
from workers.context import JobContext

CHANGES_EVENTS = re.compile(r"^\s*(UPDATE\s+\"?events\"?\s|DELETE\s+FROM\s+\"?events\"?\s)", re.IGNORECASE)


@contextmanager
def watching(*stores: Store) -> Iterator[list[str]]:
    seen: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if CHANGES_EVENTS.match(statement):
            seen.append(statement)

    engines = {engine.sync_engine for store in stores for engine in (store.reader, store.writer)}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", before)


async def test_no_action_but_the_purge_updates_or_deletes_audit_rows(ctx: JobContext, tmp_path: Path) -> None:
    async with keyed_store(ctx.settings, KEY_A) as old, keyed_store(ctx.settings, KEY_B, KEY_A) as store:
        with watching(ctx.store, old, store) as changes:
            admin = await add_agent(ctx, "Ada Admin", role="admin")
            first = await ingest(
                ctx, inbound(attachments=(FileIn("a.pdf", "application/pdf", b"%PDF"),), raw=b"raw bytes")
            )
            await update_contact(ctx, first.contact_id, consent={"email": True})
            async with old.write() as session:
                session.add(Event(kind="ancient", data={}, created_at=utcnow() - timedelta(days=9 * 365)))
                contact = await session.get(Contact, first.contact_id)
                assert contact is not None
                contact.id_document_number = "P1234567"
            await do_record_contact_read(store, actor_agent_id=admin, contact_id=first.contact_id, via="web")
            await do_reveal_sensitive(store, first.contact_id, "id_document_number", admin)
            await do_reply(store, conversation_id=first.conversation_id, agent_id=admin, text="Done.")
            await do_set_status(store, conversation_id=first.conversation_id, status="resolved", actor_agent_id=admin)
            await do_quarantine(store, ctx.blobs, ctx.settings, "email", b"garbage", "unparseable")
            await do_rotate_keys(store, batch_size=10)
            await do_export_customer(store, ctx.blobs, first.contact_id, tmp_path / "c.zip", actor_agent_id=admin)
            await do_export_audit(store, AuditFilter(), tmp_path / "a.csv", actor_agent_id=admin)
            await do_erase_customer(store, ctx.blobs, first.contact_id, actor_agent_id=admin)
            await do_purge(store, ctx.blobs, ctx.settings, dry_run=True)
            assert changes == []
            report = await do_purge(store, ctx.blobs, ctx.settings)
    assert report.kinds["audit_log"].rows == 1
    assert len(changes) == 1 and changes[0].lstrip().upper().startswith("DELETE FROM EVENTS")

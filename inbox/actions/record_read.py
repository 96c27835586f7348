"""Every read of a customer record by staff is written to the audit trail."""

from __future__ import annotations

from inbox import audit
from inbox.store import Store


async def do_record_contact_read(
    store: Store, *, actor_agent_id: int, contact_id: int, conversation_id: int | None = None, via: str
) -> None:
    async with store.write() as session:
        audit.record(
            session,
            "contact.viewed",
            actor_agent_id=actor_agent_id,
            contact_id=contact_id,
            conversation_id=conversation_id,
            via=via,
        )

"""Revealing one sensitive field of a customer to a permitted member of staff, each reveal audited.

Supervisors may reveal fields of the customers their teams can see, admins of every customer. The audit entry
names the field, never the value.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from inbox import audit
from inbox.access import ROLE_ADMIN, ROLE_SUPERVISOR, load_viewer, visible_contact
from inbox.crypto.masking import SENSITIVE_FIELDS
from inbox.models import Agent
from inbox.store import Store

ATTRIBUTE_PREFIX = "custom_attributes."


class RevealRefused(Exception):
    """The actor may not reveal this field of this customer (or the field or customer does not exist)."""


class AdminRequired(Exception):
    """Exporting or erasing a customer's data needs an active admin."""


async def require_admin(session: AsyncSession, actor_agent_id: int | None) -> None:
    """``None`` is the system itself (the ``hub`` command run by whoever operates the server)."""
    if actor_agent_id is None:
        return
    agent = await session.get(Agent, actor_agent_id)
    if agent is None or not agent.active or agent.role != ROLE_ADMIN:
        raise AdminRequired("only an admin may export or erase a customer's data")


async def do_reveal_sensitive(
    store: Store, contact_id: int, field: str, actor_agent_id: int, *, origin: str | None = None
) -> str | None:
    """The clear value of ``field`` (a sensitive field name, or ``custom_attributes.<name>`` of a sensitive
    attribute); None when the customer has no value for it. ``origin`` says where the request came from (the
    page or API and the client's address), for the audit entry."""
    attribute = field.removeprefix(ATTRIBUTE_PREFIX) if field.startswith(ATTRIBUTE_PREFIX) else None
    if attribute is None and field not in SENSITIVE_FIELDS:
        raise RevealRefused(f"{field} is not a sensitive field")
    if attribute is not None and attribute not in store.protection.sensitive_attributes:
        raise RevealRefused(f"custom attribute {attribute} is not marked sensitive")
    async with store.write() as session:
        viewer = await load_viewer(session, actor_agent_id)
        if viewer is None or viewer.role not in (ROLE_SUPERVISOR, ROLE_ADMIN):
            raise RevealRefused("only supervisors and admins may reveal sensitive fields")
        contact = await visible_contact(session, viewer, contact_id)
        if contact is None:
            raise RevealRefused("no such customer within your reach")
        if attribute is not None:
            found = (contact.custom_attributes or {}).get(attribute)
            value = None if found is None else str(found)
        else:
            raw = getattr(contact, field)
            value = None if raw is None else str(raw)
        audit.record(
            session,
            "contact.sensitive_revealed",
            actor_agent_id=actor_agent_id,
            contact_id=contact_id,
            field=field,
            had_value=value is not None,
            origin=origin,
        )
    return value

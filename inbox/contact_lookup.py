"""Finding the customer behind an identity, creating the record the first time they reach us."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from channels.base import Identity
from inbox import queries
from inbox.models import Contact, ContactIdentity, utcnow
from inbox.upsert import insert_if_absent


@dataclass(frozen=True, slots=True)
class ContactMatch:
    contact_id: int
    identity_id: int
    created: bool


async def find_or_create_contact(
    session: AsyncSession, identity: Identity, *, language: str | None = None
) -> ContactMatch:
    existing = await queries.identity_by_value(session, identity.kind.value, identity.value)
    if existing is not None:
        contact = await queries.live_contact(session, existing.contact_id)
        return ContactMatch(contact.id, existing.id, created=False)
    contact = Contact(name=identity.display_name, language=language, consent={}, custom_attributes={})
    session.add(contact)
    await session.flush()
    identity_id = await insert_if_absent(
        session,
        ContactIdentity,
        {
            "contact_id": contact.id,
            "kind": identity.kind.value,
            "value": identity.value,
            "verified": False,
            "created_at": utcnow(),
        },
        ["kind", "value"],
    )
    if identity_id is None:
        # Another writer created this identity meanwhile: theirs wins, and our fresh record goes.
        await session.execute(delete(Contact).where(Contact.id == contact.id))
        session.expunge(contact)
        winner = await queries.identity_by_value(session, identity.kind.value, identity.value)
        assert winner is not None
        live = await queries.live_contact(session, winner.contact_id)
        return ContactMatch(live.id, winner.id, created=False)
    return ContactMatch(contact.id, identity_id, created=True)

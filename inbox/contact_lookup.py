"""Finding the customers behind a batch of identities, creating records for people seen the first time."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from channels.base import Identity
from inbox.models import Contact, ContactIdentity, utcnow
from inbox.pair_filter import pairs_in
from inbox.upsert import insert_returning_on_conflict_skip

IdentityKey = tuple[str, str]


@dataclass(frozen=True, slots=True)
class ContactMatch:
    contact_id: int
    identity_id: int
    created: bool


async def _existing(session: AsyncSession, keys: set[IdentityKey]) -> dict[IdentityKey, tuple[int, int]]:
    if not keys:
        return {}
    rows = await session.execute(
        select(ContactIdentity.kind, ContactIdentity.value, ContactIdentity.id, ContactIdentity.contact_id).where(
            pairs_in(ContactIdentity.kind, ContactIdentity.value, keys)
        )
    )
    return {(kind, value): (identity_id, contact_id) for kind, value, identity_id, contact_id in rows.all()}


async def _surviving(session: AsyncSession, contact_ids: set[int]) -> dict[int, int]:
    """Map each contact id to the record it was merged into (itself when never merged)."""
    resolved = {contact_id: contact_id for contact_id in contact_ids}
    pending = set(contact_ids)
    for _ in range(10):
        if not pending:
            break
        rows = await session.execute(
            select(Contact.id, Contact.merged_into_id).where(
                Contact.id.in_(pending), Contact.merged_into_id.is_not(None)
            )
        )
        moved = {contact_id: target for contact_id, target in rows.all() if target is not None}
        for origin, current in resolved.items():
            if current in moved:
                resolved[origin] = moved[current]
        pending = set(moved.values())
    return resolved


async def resolve_contacts(session: AsyncSession, identities: Iterable[Identity]) -> dict[IdentityKey, ContactMatch]:
    wanted: dict[IdentityKey, Identity] = {}
    for identity in identities:
        wanted.setdefault((identity.kind.value, identity.value), identity)
    found = await _existing(session, set(wanted))
    created: set[IdentityKey] = set()
    missing = [key for key in wanted if key not in found]
    if missing:
        now = utcnow()
        contact_ids = (
            (
                await session.execute(
                    insert(Contact).returning(Contact.id, sort_by_parameter_order=True),
                    [_new_contact_values(wanted[key], now) for key in missing],
                )
            )
            .scalars()
            .all()
        )
        rows = [
            {"contact_id": contact_id, "kind": key[0], "value": key[1], "verified": False, "created_at": now}
            for key, contact_id in zip(missing, contact_ids, strict=True)
        ]
        inserted = await insert_returning_on_conflict_skip(
            session,
            ContactIdentity,
            rows,
            ["kind", "value"],
            ContactIdentity.kind,
            ContactIdentity.value,
            ContactIdentity.id,
            ContactIdentity.contact_id,
        )
        for kind, value, identity_id, contact_id in inserted:
            found[(kind, value)] = (identity_id, contact_id)
            created.add((kind, value))
        lost = [key for key in missing if key not in created]
        if lost:
            # Another writer created these identities meanwhile: theirs win, and our fresh records go.
            ours = [contact_id for key, contact_id in zip(missing, contact_ids, strict=True) if key in lost]
            await session.execute(delete(Contact).where(Contact.id.in_(ours)))
            found.update(await _existing(session, set(lost)))
    survivors = await _surviving(session, {contact_id for _, contact_id in found.values()})
    return {
        key: ContactMatch(survivors[contact_id], identity_id, created=key in created)
        for key, (identity_id, contact_id) in found.items()
    }


def _new_contact_values(identity: Identity, now: object) -> dict[str, object]:
    return {
        "name": identity.display_name,
        "consent": {},
        "custom_attributes": {},
        "created_at": now,
        "updated_at": now,
    }

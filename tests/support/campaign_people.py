"""Many customers at once for campaign tests and the campaign benchmark: rows inserted set-based, each with an
email address and a phone number, consent as asked."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select

from inbox.models import Contact, ContactIdentity, utcnow
from inbox.store import Store


@dataclass(frozen=True, slots=True)
class Person:
    email: str
    phone: str
    consent: dict[str, bool]
    timezone: str | None = None
    language: str = "en"
    tier: str = "silver"
    attributes: dict[str, Any] | None = None


def numbered(
    count: int, *, consent: Callable[[int], dict[str, bool]] | None = None, start: int = 0, **fields: Any
) -> list[Person]:
    """``count`` people, guest{n}@example.com and +1415555{n:04d}-style numbers, unique for n < 10**6."""
    return [
        Person(
            email=f"guest{n}@example.com",
            phone=f"+1415{2000000 + n:07d}",
            consent=consent(n) if consent else {"email": True, "sms": True},
            **fields,
        )
        for n in range(start, start + count)
    ]


async def add_people(store: Store, people: list[Person], chunk: int = 2000) -> list[int]:
    """Insert the people; returns their contact ids in order."""
    ids: list[int] = []
    now = utcnow()
    for begin in range(0, len(people), chunk):
        part = people[begin : begin + chunk]
        async with store.write() as session:
            rows = await session.execute(
                insert(Contact).returning(Contact.id, sort_by_parameter_order=True),
                [
                    {
                        "name": f"Guest {person.email.split('@')[0]}",
                        "language": person.language,
                        "timezone": person.timezone,
                        "consent": person.consent,
                        "tier": person.tier,
                        "custom_attributes": person.attributes or {},
                        "created_at": now,
                        "updated_at": now,
                    }
                    for person in part
                ],
            )
            part_ids = [int(row[0]) for row in rows.all()]
            identities = [
                {"contact_id": cid, "kind": kind, "value": value, "created_at": now}
                for cid, person in zip(part_ids, part, strict=True)
                for kind, value in (("email", person.email), ("phone", person.phone))
            ]
            await session.execute(insert(ContactIdentity), identities)
            ids.extend(part_ids)
    return ids


async def contact_ids_by_email(store: Store) -> dict[str, int]:
    async with store.read() as session:
        rows = await session.execute(
            select(ContactIdentity.value, ContactIdentity.contact_id).where(ContactIdentity.kind == "email")
        )
        return {value: int(cid) for value, cid in rows.all()}

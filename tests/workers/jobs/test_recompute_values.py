from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from channels.base import Identity, IdentityKind
from inbox.models import Contact
from tests.support.factories import inbound, ingest, update_contact
from workers.context import JobContext
from workers.jobs import recompute_values


async def test_tiers_follow_value_by_share_and_every_contact_costs(ctx: JobContext) -> None:
    contacts = []
    for number in range(20):
        sender = Identity(IdentityKind.EMAIL, f"c{number}@example.com")
        outcome = await ingest(ctx, inbound(external_id=f"m{number}@example.com", sender=sender))
        contacts.append(outcome.contact_id)
        await update_contact(ctx, outcome.contact_id, realised_value=Decimal(1000 * number))
    # The richest customer also got a big compensation: it counts against their value.
    await update_contact(ctx, contacts[19], cost_to_serve=Decimal(30_000))
    await recompute_values.run(ctx, {})
    async with ctx.store.read() as session:
        rows = {c.id: c for c in (await session.execute(select(Contact))).scalars()}
    top = rows[contacts[18]]
    assert top.tier == "platinum"  # 5 % of 20 customers: one
    assert top.value_score == Decimal(18_000 - 5)  # one conversation handled at 5 per contact
    assert rows[contacts[19]].value_score == Decimal(19_000 - 30_000 - 5)
    assert rows[contacts[19]].tier == "bronze"
    tiers = [rows[cid].tier for cid in contacts]
    assert tiers.count("platinum") == 1 and tiers.count("gold") == 3 and tiers.count("silver") == 6
    assert all(rows[cid].value_computed_at is not None for cid in contacts)

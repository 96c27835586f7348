"""Reading the figures customer value is computed from, and storing the results in batches."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select, update

from inbox import audit
from inbox.models import Contact, Conversation, utcnow
from inbox.store import Store

BATCH = 1000


@dataclass(frozen=True, slots=True)
class ValueFigures:
    realised: Decimal
    potential: Decimal
    model: Decimal
    concessions: Decimal
    conversations: int


async def load_value_inputs(store: Store) -> dict[int, ValueFigures]:
    handled = (
        select(Conversation.contact_id, func.count().label("handled")).group_by(Conversation.contact_id).subquery()
    )
    async with store.read() as session:
        rows = await session.execute(
            select(
                Contact.id,
                Contact.realised_value,
                Contact.potential_value,
                Contact.model_value,
                Contact.cost_to_serve,
                func.coalesce(handled.c.handled, 0),
            )
            .outerjoin(handled, handled.c.contact_id == Contact.id)
            .where(Contact.merged_into_id.is_(None))
        )
        return {
            contact_id: ValueFigures(realised, potential, model, concessions, int(count))
            for contact_id, realised, potential, model, concessions, count in rows.all()
        }


async def do_store_values(store: Store, values: dict[int, tuple[float, str, bool]]) -> int:
    """``values`` maps contact id to (score, tier, key account by score). A key account set by hand or import
    stays one: the score can grant the flag, not take it away."""
    now = utcnow()
    items = list(values.items())
    changed_tiers = 0
    for start in range(0, len(items), BATCH):
        chunk = items[start : start + BATCH]
        async with store.write() as session:
            current = dict(
                (
                    await session.execute(
                        select(Contact.id, Contact.tier).where(Contact.id.in_([cid for cid, _ in chunk]))
                    )
                ).all()
            )
            await session.execute(
                update(Contact),
                [
                    {
                        "id": contact_id,
                        "value_score": Decimal(str(round(score, 2))),
                        "tier": tier,
                        "value_computed_at": now,
                    }
                    for contact_id, (score, tier, _) in chunk
                ],
            )
            keys = [contact_id for contact_id, (_, _, key) in chunk if key]
            if keys:
                await session.execute(update(Contact).where(Contact.id.in_(keys)).values(is_key_account=True))
            moved = {cid: tier for cid, (_, tier, _) in chunk if current.get(cid) != tier}
            changed_tiers += len(moved)
            if moved:
                audit.record(session, "value.tiers_changed", count=len(moved))
    return changed_tiers

from __future__ import annotations

from sqlalchemy import select

from channels.base import Identity, IdentityKind
from inbox.models import Contact, Conversation, utcnow
from inbox.routing_snapshots import work_item
from inbox.waiting_queue import claim_waiting, in_priority_order
from router import PriorityOffsets
from tests.support.factories import inbound, ingest, update_contact
from workers.context import JobContext

CUSTOMERS: tuple[dict[str, object], ...] = (
    {"tier": "bronze"},
    {"tier": "silver", "relationship_class": "at_risk"},
    {"tier": "gold"},
    {"tier": "bronze", "is_key_account": True},
    {"tier": "platinum", "relationship_class": "at_risk", "is_key_account": True},
    {"tier": "silver"},
)


async def test_the_stores_order_is_the_routers_priority_key(ctx: JobContext) -> None:
    # Offsets chosen so that boosts and the cap reorder the tiers; the store must agree with the router on all.
    offsets = PriorityOffsets(at_risk_customer=100.0, key_account=95.0, max_total=320.0)
    for number, fields in enumerate(CUSTOMERS):
        sender = Identity(IdentityKind.EMAIL, f"customer{number}@example.com")
        outcome = await ingest(ctx, inbound(external_id=f"m{number}@example.com", sender=sender, subject=f"M{number}"))
        await update_contact(ctx, outcome.contact_id, **fields)
    now = utcnow()
    async with ctx.store.read() as session:
        rows = (await session.execute(select(Conversation, Contact).join(Contact))).all()
    expected = [
        w.item.conversation_id for w in in_priority_order([work_item(c, k, None, now) for c, k in rows], offsets)
    ]
    assert len(set(expected)) == len(CUSTOMERS)

    for limit in range(1, len(CUSTOMERS) + 1):
        async with ctx.store.write() as session:
            claimed = await claim_waiting(session, limit=limit, offsets=offsets, dialect=ctx.store.dialect)
        assert [w.item.conversation_id for w in claimed] == expected[:limit]
    async with ctx.store.write() as session:
        rest = await claim_waiting(session, limit=10, offsets=offsets, dialect=ctx.store.dialect, skip=expected[:2])
    assert [w.item.conversation_id for w in rest] == expected[2:]

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select, text

from inbox.actions.keys import do_register_primary_key, do_rotate_keys
from inbox.crypto.key_check import key_problems
from inbox.crypto.keyring import Keyring, token_key_id
from inbox.models import Contact, EncryptionKey
from tests.support.privacy import KEY_A, KEY_B, keyed_store
from workers.context import JobContext

OLD_ID = Keyring.from_text(KEY_A).primary_id
NEW_ID = Keyring.from_text(KEY_B).primary_id


async def _seal_customers(ctx: JobContext, count: int) -> None:
    async with keyed_store(ctx.settings, KEY_A) as store:
        await do_register_primary_key(store)
        async with store.write() as session:
            for number in range(count):
                session.add(
                    Contact(
                        name=f"Customer {number}",
                        consent={},
                        # Every third customer has no sensitive data at all.
                        income=Decimal(number * 100) if number % 3 else None,
                        health_notes=f"note {number}" if number % 3 else None,
                        custom_attributes={"passport_note": f"drawer {number}", "floor": number},
                    )
                )


async def test_after_rotation_every_value_opens_with_the_new_key_alone(ctx: JobContext) -> None:
    await _seal_customers(ctx, 23)
    async with keyed_store(ctx.settings, KEY_B, KEY_A) as store:
        report = await do_rotate_keys(store, batch_size=5)
    assert report.rows_scanned == 23
    # 15 customers with income and notes (sealed together), 23 sealed attributes.
    assert report.values_resealed == 15 + 23
    assert report.left_behind == 0 and report.retired == [OLD_ID]

    async with keyed_store(ctx.settings, KEY_B) as store:
        assert await key_problems(store) == []
        async with store.read() as session:
            contacts = (await session.execute(select(Contact).order_by(Contact.id))).scalars().all()
            tokens = (await session.execute(text("SELECT sensitive_fields FROM contacts"))).all()
            keys = {row.key_id: row.retired_at for row in (await session.execute(select(EncryptionKey))).scalars()}
    assert [c.income for c in contacts] == [Decimal(n * 100) if n % 3 else None for n in range(23)]
    assert [c.custom_attributes["passport_note"] for c in contacts] == [f"drawer {n}" for n in range(23)]
    assert {token_key_id(bytes(value)) for row in tokens for value in row if value is not None} == {NEW_ID}
    assert keys[NEW_ID] is None and keys[OLD_ID] is not None


async def test_before_rotation_the_new_key_alone_is_refused(ctx: JobContext) -> None:
    await _seal_customers(ctx, 2)
    async with keyed_store(ctx.settings, KEY_B) as store:
        assert any(OLD_ID in problem for problem in await key_problems(store))


async def test_a_second_rotation_finds_nothing_to_do(ctx: JobContext) -> None:
    await _seal_customers(ctx, 4)
    async with keyed_store(ctx.settings, KEY_B, KEY_A) as store:
        await do_rotate_keys(store, batch_size=3)
        again = await do_rotate_keys(store, batch_size=3)
    assert again.values_resealed == 0 and again.rows_scanned == 4 and again.retired == []


async def test_an_attribute_named_sensitive_later_is_sealed_by_rotation(ctx: JobContext) -> None:
    async with keyed_store(ctx.settings, KEY_A) as store, store.write() as session:
        session.add(Contact(name="X", consent={}, custom_attributes={"floor": "high"}))
    async with keyed_store(ctx.settings, KEY_A, sensitive=("floor",)) as store:
        report = await do_rotate_keys(store, batch_size=10)
        async with store.read() as session:
            raw = (await session.execute(text("SELECT CAST(custom_attributes AS TEXT) FROM contacts"))).scalar_one()
    assert report.values_resealed == 1
    assert "high" not in raw

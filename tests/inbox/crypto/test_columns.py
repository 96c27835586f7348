from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import StatementError

from inbox.crypto.keyring import BINARY_VERSION, DecryptionFailed, Keyring, KeysMissing, UnknownKey, token_key_id
from inbox.models import Contact
from inbox.store import Store
from tests.support import backends
from tests.support.privacy import KEY_A, KEY_B, keyed_store
from workers.context import JobContext

CLEAR = {
    "id_document_number": "G99887766",
    "date_of_birth": date(1979, 4, 18),
    "income": Decimal("98765.43"),
    "health_notes": "allergic to penicillin",
    "family_details": "two daughters, Mei and Lan",
}
ATTRIBUTE_SECRET = "passport kept at the front desk safe"


async def _add_customer(store: Store) -> int:
    async with store.write() as session:
        contact = Contact(
            name="Wang Fang",
            consent={},
            custom_attributes={"passport_note": ATTRIBUTE_SECRET, "floor": "high"},
            **CLEAR,
        )
        session.add(contact)
        await session.flush()
        return contact.id


async def test_sensitive_fields_round_trip(ctx: JobContext) -> None:
    async with keyed_store(ctx.settings, KEY_A) as store:
        contact_id = await _add_customer(store)
        async with store.read() as session:
            contact = await session.get(Contact, contact_id)
    assert contact is not None
    assert {field: getattr(contact, field) for field in CLEAR} == CLEAR
    assert contact.custom_attributes == {"passport_note": ATTRIBUTE_SECRET, "floor": "high"}


async def test_the_rows_hold_no_sensitive_value_in_clear(ctx: JobContext) -> None:
    async with keyed_store(ctx.settings, KEY_A) as store:
        contact_id = await _add_customer(store)
        async with store.read() as session:
            sealed, document = (
                await session.execute(
                    text("SELECT sensitive_fields, CAST(custom_attributes AS TEXT) FROM contacts WHERE id = :id"),
                    {"id": contact_id},
                )
            ).one()
    sealed = bytes(sealed)
    for value in [*CLEAR.values(), ATTRIBUTE_SECRET, "1979-04-18", "98765", "penicillin"]:
        assert str(value).encode() not in sealed and str(value) not in document
    # One binary token for all five fields: version byte, the sealing key's id, then nonce and ciphertext.
    assert sealed[:1] == BINARY_VERSION and token_key_id(sealed) == Keyring.from_text(KEY_A).primary_id
    # Attributes not named sensitive stay readable (and searchable) in the document.
    assert '"high"' in document


@pytest.mark.skipif(backends.uses_postgres(), reason="reads the SQLite file itself")
async def test_the_database_file_holds_no_sensitive_value_in_clear(ctx: JobContext) -> None:
    async with keyed_store(ctx.settings, KEY_A) as store:
        await _add_customer(store)
    database = Path(ctx.settings.database_url.split(":///", 1)[1])
    contents = b"".join(path.read_bytes() for path in database.parent.glob(database.name + "*"))
    assert b"Wang Fang" in contents  # the file does hold this customer, and what is not sealed is readable
    for value in [*CLEAR.values(), ATTRIBUTE_SECRET]:
        assert str(value).encode() not in contents


async def test_without_a_key_sensitive_values_are_neither_written_nor_read(ctx: JobContext) -> None:
    async with keyed_store(ctx.settings) as store:
        with pytest.raises(StatementError) as refused:
            await _add_customer(store)
    assert isinstance(refused.value.orig, KeysMissing)
    # The refusal, which ends up in logs, does not carry the values it refused.
    assert "G99887766" not in str(refused.value) and "penicillin" not in str(refused.value)
    async with keyed_store(ctx.settings, KEY_A) as store:
        contact_id = await _add_customer(store)
    async with keyed_store(ctx.settings) as store, store.read() as session:
        with pytest.raises(KeysMissing):
            await session.get(Contact, contact_id)


async def test_a_wrong_key_fails_loudly_instead_of_returning_garbage(ctx: JobContext) -> None:
    async with keyed_store(ctx.settings, KEY_A) as store:
        contact_id = await _add_customer(store)
    async with keyed_store(ctx.settings, KEY_B) as store, store.read() as session:
        with pytest.raises(UnknownKey):
            await session.get(Contact, contact_id)


async def test_a_token_sealed_for_another_purpose_does_not_open(ctx: JobContext) -> None:
    async with keyed_store(ctx.settings, KEY_A) as store:
        contact_id = await _add_customer(store)
        elsewhere = Keyring.from_text(KEY_A).binary_sealer("contacts.other_purpose")(b'{"income":"1"}')
        async with store.write() as session:
            await session.execute(
                text("UPDATE contacts SET sensitive_fields = :token WHERE id = :id"),
                {"token": elsewhere, "id": contact_id},
            )
        async with store.read() as session:
            with pytest.raises(DecryptionFailed):
                await session.get(Contact, contact_id)


async def test_a_tampered_token_does_not_open(ctx: JobContext) -> None:
    async with keyed_store(ctx.settings, KEY_A) as store:
        contact_id = await _add_customer(store)
        async with store.read() as session:
            token = bytes(
                (
                    await session.execute(
                        text("SELECT sensitive_fields FROM contacts WHERE id = :id"), {"id": contact_id}
                    )
                ).scalar_one()
            )
        tampered = token[:-20] + bytes([token[-20] ^ 1]) + token[-19:]
        async with store.write() as session:
            await session.execute(
                text("UPDATE contacts SET sensitive_fields = :token WHERE id = :id"),
                {"token": tampered, "id": contact_id},
            )
        async with store.read() as session:
            with pytest.raises(DecryptionFailed):
                await session.get(Contact, contact_id)


async def test_fields_are_set_and_cleared_one_at_a_time(ctx: JobContext) -> None:
    async with keyed_store(ctx.settings, KEY_A) as store:
        contact_id = await _add_customer(store)
        async with store.write() as session:
            contact = await session.get(Contact, contact_id)
            assert contact is not None
            contact.income = Decimal("12.00")
            contact.health_notes = None
        async with store.read() as session:
            changed = await session.get(Contact, contact_id)
        assert changed is not None
        assert {field: getattr(changed, field) for field in CLEAR} == {
            **CLEAR,
            "income": Decimal("12.00"),
            "health_notes": None,
        }
        async with store.write() as session:
            contact = await session.get(Contact, contact_id)
            assert contact is not None
            for field in CLEAR:
                setattr(contact, field, None)
        async with store.read() as session:
            stored = (
                await session.execute(text("SELECT sensitive_fields FROM contacts WHERE id = :id"), {"id": contact_id})
            ).scalar_one()
    # A customer left with no sensitive value keeps no token at all.
    assert stored is None


async def test_customers_without_sensitive_data_need_no_key(ctx: JobContext) -> None:
    async with keyed_store(ctx.settings) as store:
        async with store.write() as session:
            session.add(Contact(name="Li Wei", consent={}, custom_attributes={"floor": "low"}))
        async with store.write() as session:
            await session.execute(update(Contact).values(sensitive_fields=None))
        async with store.read() as session:
            contact = (await session.execute(text("SELECT name FROM contacts"))).scalar_one()
    assert contact == "Li Wei"


@pytest.mark.parametrize(
    "secret",
    ["", 'the "blue" safe', "C:\\safe\\3", "line one\nline two", "您好 \u2028 😀", 42, 1.5, True, ["a", 1], {"k": "v"}],
)
async def test_sensitive_attributes_of_any_json_shape_round_trip(ctx: JobContext, secret: object) -> None:
    async with keyed_store(ctx.settings, KEY_A) as store:
        async with store.write() as session:
            contact = Contact(name="Wang Fang", consent={}, custom_attributes={"passport_note": secret, "floor": 3})
            session.add(contact)
            await session.flush()
            contact_id = contact.id
        async with store.read() as session:
            stored = (
                await session.execute(text("SELECT custom_attributes FROM contacts WHERE id = :id"), {"id": contact_id})
            ).scalar_one()
            loaded = await session.get(Contact, contact_id)
    assert loaded is not None and loaded.custom_attributes == {"passport_note": secret, "floor": 3}
    assert "$sealed" in str(stored)

"""Sealing the sensitive fields together: existing values move into the record and back, on either backend."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import column, insert, select, table, text
from sqlalchemy.ext.asyncio import create_async_engine

from inbox.crypto.columns import bind_protection, protection_from
from inbox.crypto.keyring import Keyring, KeysMissing, UnknownKey
from inbox.migrate import alembic_config, upgrade
from inbox.models import Contact
from inbox.models.sensitive import SensitiveFields
from tests.support import backends
from tests.support.privacy import KEY_A, KEY_B

FIELDS = ("id_document_number", "date_of_birth", "income", "health_notes", "family_details")
# Stored text of each field, as the hub sealed it field by field before 0009.
WANG = {"id_document_number": "G99887766", "date_of_birth": "1979-04-18", "income": "98765.43"}
LI = {"health_notes": 'allergic to "penicillin"\n您好', "family_details": "two daughters"}


@pytest.fixture
def empty_store(tmp_path: Path) -> Iterator[str]:
    if not backends.uses_postgres():
        yield f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}"
        return
    problem = asyncio.run(backends.postgres_reachable())
    if problem is not None:
        pytest.skip(problem)
    name = backends.fresh_database_name()
    asyncio.run(backends.create_database(name))
    yield backends.async_url(name)
    asyncio.run(backends.drop_database(name))


def _required() -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "consent": {},
        "custom_attributes": {},
        "realised_value": 0,
        "potential_value": 0,
        "model_value": 0,
        "cost_to_serve": 0,
        "value_score": 0,
        "tier": "bronze",
        "is_key_account": False,
        "relationship_class": "new",
        "created_at": now,
        "updated_at": now,
    }


async def _seed_field_by_field(url: str) -> None:
    """Three customers as a 0008 store holds them: each sensitive value its own text token."""
    keyring = Keyring.from_text(KEY_A)
    old = table(
        "contacts",
        *(column(name, Contact.__table__.c[name].type) for name in ("id", "name", *_required())),
        *(column(name) for name in FIELDS),
    )
    rows = []
    for number, values in enumerate((WANG, LI, {}), start=1):
        sealed = {name: keyring.encrypt(text, f"contacts.{name}") for name, text in values.items()}
        rows.append({"id": number, "name": f"Customer {number}", **_required(), **dict.fromkeys(FIELDS), **sealed})
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.execute(insert(old), rows)
    await engine.dispose()


async def _records(url: str, key: str) -> dict[int, SensitiveFields | None]:
    engine = create_async_engine(url)
    bind_protection(engine, protection_from(key, []))
    async with engine.connect() as connection:
        found = await connection.execute(select(Contact.id, Contact.sensitive_fields).order_by(Contact.id))
        records = {row.id: row.sensitive_fields for row in found}
    await engine.dispose()
    return records


async def _field_tokens(url: str) -> list[tuple[Any, ...]]:
    engine = create_async_engine(url)
    async with engine.connect() as connection:
        found = await connection.execute(text(f"SELECT id, {', '.join(FIELDS)} FROM contacts ORDER BY id"))
        rows = [tuple(row) for row in found]
    await engine.dispose()
    return rows


def test_0009_seals_existing_values_together_and_back(empty_store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    upgrade(empty_store, "0008")
    asyncio.run(_seed_field_by_field(empty_store))
    # The newest key seals the records; the old one still opens what it sealed.
    monkeypatch.setenv("HUB_PRIVACY__ENCRYPTION_KEYS", f"{KEY_B},{KEY_A}")
    upgrade(empty_store, "0009")

    records = asyncio.run(_records(empty_store, KEY_B))
    assert records == {
        1: SensitiveFields("G99887766", date(1979, 4, 18), Decimal("98765.43")),
        2: SensitiveFields(health_notes=LI["health_notes"], family_details="two daughters"),
        3: None,
    }

    command.downgrade(alembic_config(empty_store), "0008")
    keyring = Keyring.from_text(KEY_B)
    opened = [
        {name: keyring.decrypt(token, f"contacts.{name}") for name, token in zip(FIELDS, row[1:], strict=True) if token}
        for row in asyncio.run(_field_tokens(empty_store))
    ]
    assert opened == [WANG, LI, {}]


def test_0009_without_the_keys_stops_with_nothing_changed(empty_store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    upgrade(empty_store, "0008")
    asyncio.run(_seed_field_by_field(empty_store))
    monkeypatch.delenv("HUB_PRIVACY__ENCRYPTION_KEYS", raising=False)
    with pytest.raises(KeysMissing):
        upgrade(empty_store, "0009")
    monkeypatch.setenv("HUB_PRIVACY__ENCRYPTION_KEYS", KEY_B)
    with pytest.raises(UnknownKey):
        upgrade(empty_store, "0009")
    # Still the 0008 store, its tokens as they were.
    assert [row[0] for row in asyncio.run(_field_tokens(empty_store))] == [1, 2, 3]
    monkeypatch.setenv("HUB_PRIVACY__ENCRYPTION_KEYS", KEY_A)
    upgrade(empty_store, "0009")
    assert asyncio.run(_records(empty_store, KEY_A))[1] == SensitiveFields(
        "G99887766", date(1979, 4, 18), Decimal("98765.43")
    )


def test_0009_on_a_store_without_sensitive_values_needs_no_key(
    empty_store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HUB_PRIVACY__ENCRYPTION_KEYS", raising=False)
    upgrade(empty_store, "0009")
    command.downgrade(alembic_config(empty_store), "0008")
    upgrade(empty_store, "0009")

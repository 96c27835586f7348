"""The archive's safekeeping at scale, on PostgreSQL (a scratch database):

1. sensitive fields sealed (AES-GCM, through the hub's column types: the five fields sealed together in one binary
   column, the sensitive custom attribute inside the JSON document) against the same fields in clear in a twin
   table (five text columns, a plain document), written and read for 100,000 customers in the same run, through
   the same driver; the ratios are clear time / sealed time, for writes and for reads;
2. the retention purge of 1,000,000 expired messages (chat visitors past their retention, ten messages each):
   messages purged per second.

Run: .venv/bin/python bench/privacy.py [--customers N] [--messages N]
"""

from __future__ import annotations

import sys
from pathlib import Path

# Scripts here are run by path, which puts this folder first on the import path, where a bench named like a
# standard-library module (email.py) would shadow it: the project root goes there instead.
sys.path.pop(0)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import asyncio
import json
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from math import inf
from typing import Any

import asyncpg
from sqlalchemy import JSON, Text, column, insert, select, table, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql.base import PGDialect

from bench._report import target
from bench._scratch import scratch_database
from inbox.actions.purge import do_purge
from inbox.blobs import BlobStore
from inbox.crypto.keyring import generate_key
from inbox.models import Contact, ContactIdentity, Conversation, Message
from inbox.models.sensitive import SensitiveFields
from inbox.settings import Settings, load_settings
from inbox.store import Store

BATCH = 1000
ROUNDS = 3
FIELDS = ("id_document_number", "date_of_birth", "income", "health_notes", "family_details")


def source_rows(count: int) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    required = required_values(Contact.__table__)
    return [
        {
            **required,
            "id": number + 1,
            "name": f"Customer {number}",
            "consent": {},
            "custom_attributes": {"passport_note": f"drawer {number % 50}", "floor": number % 30},
            "id_document_number": f"G{number:08d}",
            "date_of_birth": date(1950 + number % 50, 1 + number % 12, 1 + number % 28),
            "income": Decimal(number % 200_000) + Decimal("0.50"),
            "health_notes": "no known allergies; prefers a low floor" if number % 4 else "diabetic, needs a fridge",
            "family_details": f"{number % 4} children",
            "created_at": now,
            "updated_at": now,
        }
        for number in range(count)
    ]


def sealed_row(row: dict[str, Any]) -> dict[str, Any]:
    """The values as the hub stores them: the five fields as one record, sealed by the column type."""
    fields = SensitiveFields(**{name: row[name] for name in FIELDS})
    return {**{key: value for key, value in row.items() if key not in FIELDS}, "sensitive_fields": fields}


def clear_row(row: dict[str, Any]) -> dict[str, Any]:
    """The same values as they would sit in clear: text columns and a plain JSON document."""
    return {key: (str(value) if key in FIELDS else value) for key, value in row.items()}


def _clear_type(name: str, original: Any) -> Any:
    if name == "custom_attributes":
        return JSON().with_variant(JSONB(), "postgresql")
    return original


# The twin of the customers' table: the same columns, but the five sensitive fields as plain text columns in place
# of the sealed record, and nothing sealed.
CLEAR = table(
    "contacts_clear",
    *(column(c.name, _clear_type(c.name, c.type)) for c in Contact.__table__.columns if c.name != "sensitive_fields"),
    *(column(name, Text()) for name in FIELDS),
)
CLEAR_TWIN = [
    "CREATE TABLE contacts_clear (LIKE contacts INCLUDING DEFAULTS INCLUDING INDEXES)",
    "ALTER TABLE contacts_clear DROP COLUMN sensitive_fields",
    *(f"ALTER TABLE contacts_clear ADD COLUMN {name} text" for name in FIELDS),
]


def required_values(model_table: Any) -> dict[str, Any]:
    """Values for every NOT NULL column with a default, so set-based inserts keep up with the schema."""
    values: dict[str, Any] = {}
    for item in model_table.columns:
        default = item.default
        if item.nullable or item.primary_key or default is None:
            continue
        arg: Any = getattr(default, "arg", None)
        values[item.name] = arg(None) if callable(arg) else arg
    return values


async def insert_series(
    connection: asyncpg.Connection, model_table: Any, count: int, expressions: dict[str, str], start: int = 0
) -> None:
    """INSERT … SELECT over generate_series(start, start + count - 1) AS g: ``expressions`` in terms of g, every
    other required column from its default."""
    dialect = PGDialect()  # type: ignore[no-untyped-call]
    columns, selects, params = list(expressions), list(expressions.values()), []
    for name, value in required_values(model_table).items():
        if name in expressions:
            continue
        params.append(json.dumps(value) if isinstance(value, dict | list) else value)
        kind = model_table.c[name].type.compile(dialect=dialect)
        columns.append(name)
        selects.append(f"${len(params)}::{kind}")
    statement = (
        f"INSERT INTO {model_table.name} ({', '.join(columns)}) SELECT {', '.join(selects)} "
        f"FROM generate_series({start}, {start + count - 1}) g"
    )
    await connection.execute(statement, *params)


async def write(store: Store, target_table: Any, rows: list[dict[str, Any]]) -> float:
    started = time.perf_counter()
    for offset in range(0, len(rows), BATCH):
        async with store.write() as session:
            await session.execute(insert(target_table), rows[offset : offset + BATCH])
    return time.perf_counter() - started


async def read(store: Store, columns: list[Any]) -> tuple[float, int]:
    started = time.perf_counter()
    seen = 0
    async with store.read() as session:
        result = await session.stream(select(*columns).execution_options(yield_per=BATCH))
        async for _ in result:
            seen += 1
    return time.perf_counter() - started, seen


async def sealed_against_clear(settings: Settings, dsn: str, customers: int) -> tuple[float, float]:
    """(write ratio, read ratio), each clear time / sealed time."""
    connection = await asyncpg.connect(dsn)
    # The twin has the same columns (sensitive ones as text) and the same primary key index, none of the sealing.
    for statement in CLEAR_TWIN:
        await connection.execute(statement)
    await connection.close()
    store = Store(settings)
    source = source_rows(customers)
    rows = [sealed_row(row) for row in source]
    clear_rows = [clear_row(row) for row in source]
    # Both sides read the same five fields and the same document of every customer; the sealed side's five come
    # opened and typed (dates, decimals) in one record per row.
    sealed_columns = [Contact.__table__.c[name] for name in ("id", "sensitive_fields", "custom_attributes")]
    clear_columns = [CLEAR.c[name] for name in ("id", *FIELDS, "custom_attributes")]
    best = {"sealed_write": inf, "clear_write": inf, "sealed_read": inf, "clear_read": inf}
    try:
        # Alternating rounds, best of each: a busy machine's noise hits both sides rather than one.
        for _ in range(ROUNDS):
            async with store.write() as session:
                await session.execute(text("TRUNCATE contacts CASCADE"))
                await session.execute(text("TRUNCATE contacts_clear"))
            best["sealed_write"] = min(best["sealed_write"], await write(store, Contact.__table__, rows))
            best["clear_write"] = min(best["clear_write"], await write(store, CLEAR, clear_rows))
            sealed_read, sealed_seen = await read(store, sealed_columns)
            clear_read, clear_seen = await read(store, clear_columns)
            best["sealed_read"] = min(best["sealed_read"], sealed_read)
            best["clear_read"] = min(best["clear_read"], clear_read)
        # What was timed is what was written: the sealed side opens to the source values.
        async with store.read() as session:
            first = (await session.execute(select(Contact).where(Contact.id == 1))).scalar_one()
        assert {name: getattr(first, name) for name in FIELDS} == {name: source[0][name] for name in FIELDS}
        assert first.custom_attributes == source[0]["custom_attributes"]
    finally:
        await store.dispose()
    sealed_write, clear_write = best["sealed_write"], best["clear_write"]
    sealed_read, clear_read = best["sealed_read"], best["clear_read"]
    assert sealed_seen == clear_seen == customers
    print(f"{customers:,} customers, 5 sensitive fields and 1 sensitive attribute each (PostgreSQL)")
    for label, sealed, clear in (("write", sealed_write, clear_write), ("read", sealed_read, clear_read)):
        print(
            f"  {label}: sealed {customers / sealed:,.0f} rows/s ({sealed:.2f}s), "
            f"clear {customers / clear:,.0f} rows/s ({clear:.2f}s), ratio {clear / sealed:.3f}"
        )
    return clear_write / sealed_write, clear_read / sealed_read


async def seed_expired_visitors(dsn: str, visitors: int, per_visitor: int) -> None:
    """Chat visitors last seen 60 days ago, each with one conversation of ``per_visitor`` messages, set-based."""
    connection = await asyncpg.connect(dsn)
    old = datetime.now(UTC) - timedelta(days=60)
    when = f"'{old.isoformat()}'::timestamptz"
    first = 1_000_001
    try:
        await insert_series(
            connection,
            Contact.__table__,
            visitors,
            {"id": "g", "last_inbound_at": when, "created_at": when, "updated_at": when},
            first,
        )
        await insert_series(
            connection,
            ContactIdentity.__table__,
            visitors,
            {"contact_id": "g", "kind": "'webchat'", "value": "'visitor-' || g", "created_at": when},
            first,
        )
        await insert_series(
            connection,
            Conversation.__table__,
            visitors,
            {
                "id": "g",
                "contact_id": "g",
                "channel": "'webchat'",
                "status": "'resolved'",
                "reply_token": "md5(g::text)",
                "created_at": when,
                "last_message_at": when,
            },
            first,
        )
        await insert_series(
            connection,
            Message.__table__,
            visitors * per_visitor,
            {
                "conversation_id": f"{first} + g / {per_visitor}",
                "direction": "'inbound'",
                "channel": "'webchat'",
                "text": "'您好，请问我的订单什么时候发货？ Where is my order?'",
                "delivery_status": "'received'",
                "created_at": when,
            },
        )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()


async def purge_messages(settings: Settings, dsn: str, messages: int) -> tuple[float, float]:
    """(messages purged per second, rows purged per second)."""
    per_visitor = 10
    visitors = max(1, messages // per_visitor)
    started = time.perf_counter()
    await seed_expired_visitors(dsn, visitors, per_visitor)
    print(
        f"seeded {visitors:,} expired chat visitors with {visitors * per_visitor:,} messages "
        f"in {time.perf_counter() - started:.1f}s"
    )
    store = Store(settings)
    try:
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            report = await do_purge(store, BlobStore(Path(folder)), settings)
            elapsed = time.perf_counter() - started
            again = await do_purge(store, BlobStore(Path(folder)), settings, dry_run=True)
    finally:
        await store.dispose()
    purged = report.kinds["chat_visitors"]
    rows = purged.rows * 2 + purged.conversations + purged.messages
    print(
        f"purge: {purged.messages:,} messages, {purged.conversations:,} conversations, {purged.rows:,} visitors "
        f"(and their identities) in {elapsed:.1f}s = {purged.messages / elapsed:,.0f} messages/s, "
        f"{rows / elapsed:,.0f} rows/s in all; batches of {settings.privacy.purge_batch_size} visitors"
    )
    assert purged.messages == visitors * per_visitor and again.nothing
    return purged.messages / elapsed, rows / elapsed


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    args = parser.parse_args()
    async with scratch_database() as (dsn, url):
        settings = load_settings(
            database={"url": url, "pool_size": 4},
            privacy={"encryption_keys": generate_key(), "sensitive_attributes": ["passport_note"]},
        )
        write_ratio, read_ratio = await sealed_against_clear(settings, dsn, args.customers)
        messages_rate, rows_rate = await purge_messages(settings, dsn, args.messages)
    print(f"purge rate: {messages_rate:,.0f} messages/s, {rows_rate:,.0f} rows/s")
    target("privacy_encrypted_write_ratio", write_ratio, ">=", 0.5)
    target("privacy_encrypted_read_ratio", read_ratio, ">=", 0.5)
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))

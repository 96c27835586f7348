from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from inbox.settings import load_settings
from inbox.sqlite_connection import OneTripConnection
from inbox.store import Store


@pytest.fixture
async def store(tmp_path: Path) -> Store:
    settings = load_settings(database={"url": f"sqlite+aiosqlite:///{tmp_path / 'plain.db'}"})
    store = Store(settings)
    async with store.write() as session:
        await session.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL UNIQUE)"))
    return store


async def test_a_file_store_uses_one_trip_connections_with_its_pragmas(store: Store) -> None:
    try:
        async with store.write() as session:
            connection = await session.connection()
            raw = await connection.get_raw_connection()
            assert isinstance(raw.driver_connection, OneTripConnection)
            journal = (await session.execute(text("PRAGMA journal_mode"))).scalar_one()
            foreign_keys = (await session.execute(text("PRAGMA foreign_keys"))).scalar_one()
        assert (journal, foreign_keys) == ("wal", 1)
    finally:
        await store.dispose()


async def test_rows_returned_by_writes_and_reads_arrive_whole(store: Store) -> None:
    try:
        async with store.write() as session:
            returned = await session.execute(
                text("INSERT INTO notes (body) VALUES ('a'), ('b'), ('c') RETURNING id, body")
            )
            assert sorted(body for _, body in returned.all()) == ["a", "b", "c"]
            await session.execute(
                text("INSERT INTO notes (body) VALUES (:body)"), [{"body": f"n{n}"} for n in range(5)]
            )
        async with store.read() as session:
            bodies = (await session.execute(text("SELECT body FROM notes ORDER BY id"))).scalars().all()
            first = (await session.execute(text("SELECT body FROM notes ORDER BY id LIMIT 1"))).first()
        assert bodies == ["a", "b", "c", "n0", "n1", "n2", "n3", "n4"]
        assert first is not None and first.body == "a"
    finally:
        await store.dispose()


async def _insert_twice(store: Store, body: str) -> None:
    async with store.write() as session:
        for _ in range(2):
            await session.execute(text("INSERT INTO notes (body) VALUES (:body)"), {"body": body})


async def test_a_failed_statement_rolls_back_and_the_connection_goes_on(store: Store) -> None:
    try:
        with pytest.raises(IntegrityError):
            await _insert_twice(store, "kept?")
        async with store.write() as session:
            inserted = await session.execute(text("INSERT INTO notes (body) VALUES ('after') RETURNING id"))
            assert inserted.scalar_one() >= 1
        async with store.read() as session:
            bodies = (await session.execute(text("SELECT body FROM notes"))).scalars().all()
        assert bodies == ["after"]
    finally:
        await store.dispose()

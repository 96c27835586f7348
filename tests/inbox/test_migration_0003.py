"""The satisfaction and service-recovery migration goes down as cleanly as it goes up, on either backend."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from inbox.migrate import alembic_config, upgrade
from tests.support import backends

TABLES = {"complaint_cases", "remedies_given", "follow_ups", "repeat_contacts", "surveys"}


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


async def _tables(url: str) -> set[str]:
    engine = create_async_engine(url)
    async with engine.connect() as connection:
        names = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    await engine.dispose()
    return names


def test_0003_upgrades_and_downgrades(empty_store: str) -> None:
    upgrade(empty_store, "0003")
    assert asyncio.run(_tables(empty_store)) >= TABLES
    command.downgrade(alembic_config(empty_store), "0002")
    assert not TABLES & asyncio.run(_tables(empty_store))
    upgrade(empty_store, "0003")
    assert asyncio.run(_tables(empty_store)) >= TABLES

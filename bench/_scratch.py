"""A throw-away PostgreSQL database, migrated, for one benchmark run; dropped afterwards whatever happens."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from inbox.migrate import upgrade

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


@asynccontextmanager
async def scratch_database(admin_dsn: str = POSTGRES_ADMIN) -> AsyncIterator[tuple[str, str]]:
    """Yields the database's plain DSN (for asyncpg) and its SQLAlchemy URL."""
    name = f"hub_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(admin_dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        dsn = admin_dsn.rsplit("/", 1)[0] + f"/{name}"
        url = dsn.replace("postgresql://", "postgresql+asyncpg://")
        await asyncio.to_thread(upgrade, url)
        yield dsn, url
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()

"""Connections to the conversation store, and the unit of work that actions commit through.

SQLite allows one writer at a time. Writers therefore share one connection that opens every transaction with
``BEGIN IMMEDIATE``: they queue in Python instead of failing with "database is locked", while readers keep
their own connections (WAL lets them read during a write). PostgreSQL needs none of this and uses one pool.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from inbox.crypto.columns import bind_protection, protection_from
from inbox.settings import Settings
from inbox.sqlite_connection import opener


def _tune_sqlite(engine: AsyncEngine, *, immediate: bool) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        # What is deleted or overwritten is zeroed in the file, so an erased customer cannot be read back from it.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Store:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.url = settings.database_url
        self.is_sqlite = self.url.startswith("sqlite")
        # Statement errors and echoed SQL would otherwise carry customers' data (and sensitive values before they
        # are sealed) into the logs.
        quiet: dict[str, Any] = {"echo": settings.database.echo, "hide_parameters": True}
        if self.is_sqlite:
            self._prepare_sqlite_folder()
            quiet.update(self._sqlite_connections())
            self.reader = create_async_engine(self.url, **quiet, pool_size=settings.database.pool_size)
            self.writer = create_async_engine(self.url, **quiet, pool_size=1, max_overflow=0)
            _tune_sqlite(self.reader, immediate=False)
            _tune_sqlite(self.writer, immediate=True)
        else:
            self.reader = create_async_engine(self.url, **quiet, pool_size=settings.database.pool_size, max_overflow=10)
            self.writer = self.reader
        self.protection = protection_from(
            settings.privacy.encryption_keys.get_secret_value() if settings.privacy.encryption_keys else None,
            settings.privacy.sensitive_attributes,
        )
        for engine in {self.reader, self.writer}:
            bind_protection(engine, self.protection)
        self._write_sessions = async_sessionmaker(self.writer, expire_on_commit=False)
        self._read_sessions = async_sessionmaker(self.reader, expire_on_commit=False)
        # Set after a commit that queued jobs, so the relay dispatches them at once instead of at its next poll.
        self.jobs_waiting = asyncio.Event()

    def _prepare_sqlite_folder(self) -> None:
        from pathlib import Path

        path = self.url.split(":///", 1)[1]
        if path and ":memory:" not in path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)

    def _sqlite_connections(self) -> dict[str, Any]:
        """Connections that cross to SQLite's thread once per statement (see ``inbox.sqlite_connection``), for a
        plain database file; anything else (in memory, URL options) is opened by SQLAlchemy itself."""
        path = self.url.split(":///", 1)[1]
        if not path or ":memory:" in path or "?" in path or path.startswith("file:"):
            return {}
        return {"async_creator": opener(path)}

    @property
    def dialect(self) -> str:
        return "sqlite" if self.is_sqlite else "postgresql"

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: committed when the block ends, rolled back if it raises."""
        queued_jobs = False
        async with self._write_sessions() as session, session.begin():
            yield session
            queued_jobs = bool(session.info.get("queued_jobs"))
        if queued_jobs:
            self.jobs_waiting.set()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._read_sessions() as session:
            yield session

    async def dispose(self) -> None:
        await self.reader.dispose()
        if self.writer is not self.reader:
            await self.writer.dispose()

"""SQLite connections whose statements cross to the database thread once each.

aiosqlite runs every call on the connection's own thread and hands the result back to the event loop. Through
SQLAlchemy a statement is four such calls (open a cursor, execute, fetch, close), and each crossing costs more
than the statement itself does on SQLite: two thread wake-ups, a wake-up of the loop and a hand-over of the GIL.
Here a statement is one crossing: the cursor is opened, the statement run and its rows read in the same call,
and the cursor is closed by a call queued behind it that nobody waits for.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Iterable, Sequence
from functools import partial
from typing import Any

import aiosqlite

Rows = list[Any]


def _run(connection: sqlite3.Connection, sql: str, parameters: Any) -> tuple[sqlite3.Cursor, Rows]:
    cursor = connection.cursor()
    if parameters is None:
        cursor.execute(sql)
    else:
        cursor.execute(sql, parameters)
    return cursor, cursor.fetchall() if cursor.description is not None else []


def _run_many(connection: sqlite3.Connection, sql: str, parameters: Iterable[Any]) -> tuple[sqlite3.Cursor, Rows]:
    cursor = connection.cursor()
    cursor.executemany(sql, parameters)
    return cursor, []


class OneTripCursor:
    """The part of aiosqlite's cursor that SQLAlchemy uses, with the rows read during ``execute``."""

    arraysize = 1

    def __init__(self, connection: OneTripConnection) -> None:
        self._connection = connection
        self._cursor: sqlite3.Cursor | None = None
        self._rows: Rows = []

    async def __aenter__(self) -> OneTripCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def execute(self, sql: str, parameters: Any = None) -> OneTripCursor:
        self._replace(*await self._connection.on_thread(_run, sql, parameters))
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> OneTripCursor:
        self._replace(*await self._connection.on_thread(_run_many, sql, parameters))
        return self

    def _replace(self, cursor: sqlite3.Cursor, rows: Rows) -> None:
        self._discard()
        self._cursor, self._rows = cursor, rows

    async def fetchall(self) -> Rows:
        rows, self._rows = self._rows, []
        return rows

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> Rows:
        count = size or self.arraysize
        rows, self._rows = self._rows[:count], self._rows[count:]
        return rows

    async def close(self) -> None:
        self._discard()
        self._rows = []

    def _discard(self) -> None:
        if self._cursor is not None:
            self._connection.on_thread_later(self._cursor.close)
            self._cursor = None

    # Plain attributes of the finished statement: reading them needs no trip to the database thread.
    @property
    def description(self) -> Sequence[Any] | None:
        return self._cursor.description if self._cursor is not None else None

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount if self._cursor is not None else -1

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid if self._cursor is not None else None


class OneTripConnection(aiosqlite.Connection):
    def cursor(self) -> OneTripCursor:  # type: ignore[override]
        return OneTripCursor(self)

    async def on_thread(self, function: Callable[..., Any], *args: Any) -> Any:
        """Run ``function(sqlite3_connection, *args)`` on the database thread, after everything queued before."""
        # aiosqlite queues the call for its thread and resolves the future with the result.
        return await self._execute(lambda: function(self._conn, *args))  # type: ignore[no-untyped-call]

    def on_thread_later(self, function: Callable[[], Any]) -> None:
        """Queue ``function`` behind what is queued, without waiting for it (the thread's queue keeps order)."""
        if self._running and self._connection is not None:
            self._tx.put_nowait((None, function))


def opener(path: str) -> Callable[[], Awaitable[aiosqlite.Connection]]:
    """The ``async_creator`` of an engine on the SQLite file at ``path``."""

    async def open_connection() -> aiosqlite.Connection:
        # The statements run on the connection's thread, but the cursors' results are read on the loop's.
        connection = OneTripConnection(partial(sqlite3.connect, path, check_same_thread=False), 64)
        # Like SQLAlchemy's own aiosqlite connections: a thread left open must not keep the process alive.
        connection._thread.daemon = True
        return await connection

    return open_connection

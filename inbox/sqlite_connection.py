"""SQLite connections whose statements cross to the database thread once each.

aiosqlite runs every call on the connection's own thread and hands the result back to the event loop. Through
SQLAlchemy a statement is four such calls (open a cursor, execute, fetch, close), and each crossing costs more
than the statement itself does on SQLite: two thread wake-ups, a wake-up of the loop and a hand-over of the GIL.
Here a statement is one crossing: the cursor is opened, the statement run, its rows read and the cursor closed in
the same call.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import aiosqlite

Rows = list[Any]


@dataclass(frozen=True, slots=True)
class _Outcome:
    """What a finished statement left: SQLAlchemy reads these off the cursor after ``execute``."""

    description: Sequence[Any] | None = None
    rowcount: int = -1
    lastrowid: int | None = None
    rows: Rows = field(default_factory=list)


def _finish(cursor: sqlite3.Cursor, rows: Rows) -> _Outcome:
    outcome = _Outcome(cursor.description, cursor.rowcount, cursor.lastrowid, rows)
    cursor.close()
    return outcome


def _run(connection: sqlite3.Connection, sql: str, parameters: Any) -> _Outcome:
    cursor = connection.cursor()
    try:
        if parameters is None:
            cursor.execute(sql)
        else:
            cursor.execute(sql, parameters)
        rows = cursor.fetchall() if cursor.description is not None else []
    except BaseException:
        cursor.close()
        raise
    return _finish(cursor, rows)


def _run_many(connection: sqlite3.Connection, sql: str, parameters: Iterable[Any]) -> _Outcome:
    cursor = connection.cursor()
    try:
        cursor.executemany(sql, parameters)
    except BaseException:
        cursor.close()
        raise
    return _finish(cursor, [])


class OneTripCursor:
    """The part of aiosqlite's cursor that SQLAlchemy uses; ``execute`` brings back the rows with it."""

    arraysize = 1

    def __init__(self, connection: OneTripConnection) -> None:
        self._connection = connection
        self._outcome = _Outcome()
        self._rows: Rows = []

    async def __aenter__(self) -> OneTripCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def execute(self, sql: str, parameters: Any = None) -> OneTripCursor:
        self._keep(await self._connection.on_thread(_run, sql, parameters))
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> OneTripCursor:
        self._keep(await self._connection.on_thread(_run_many, sql, parameters))
        return self

    def _keep(self, outcome: _Outcome) -> None:
        self._outcome, self._rows = outcome, list(outcome.rows)

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
        # The database's cursor was closed on its thread as soon as the statement finished.
        self._rows = []

    @property
    def description(self) -> Sequence[Any] | None:
        return self._outcome.description

    @property
    def rowcount(self) -> int:
        return self._outcome.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._outcome.lastrowid


class OneTripConnection(aiosqlite.Connection):
    def cursor(self) -> OneTripCursor:  # type: ignore[override]
        return OneTripCursor(self)

    async def on_thread(self, function: Callable[..., Any], *args: Any) -> Any:
        """Run ``function(sqlite3_connection, *args)`` on the database thread, after everything queued before."""
        # aiosqlite queues the call for its thread and resolves the future with the result.
        return await self._execute(lambda: function(self._conn, *args))  # type: ignore[no-untyped-call]


def opener(path: str) -> Callable[[], Awaitable[aiosqlite.Connection]]:
    """The ``async_creator`` of an engine on the SQLite file at ``path``."""

    async def open_connection() -> aiosqlite.Connection:
        # As with SQLAlchemy's own aiosqlite connections, which read some connection attributes on the loop's thread.
        connection = OneTripConnection(partial(sqlite3.connect, path, check_same_thread=False), 64)
        # Like SQLAlchemy's own aiosqlite connections: a thread left open must not keep the process alive.
        connection._thread.daemon = True
        return await connection

    return open_connection

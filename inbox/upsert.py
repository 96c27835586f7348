"""INSERT … ON CONFLICT DO NOTHING on either backend: the primitive that makes concurrent writers agree."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase


def dialect_name(session: AsyncSession) -> str:
    bind = session.bind
    assert bind is not None, "sessions of the store are always bound to an engine"
    return bind.dialect.name


def _table(model: type[DeclarativeBase]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _insert_ignoring(
    session: AsyncSession, model: type[DeclarativeBase], values: dict[str, Any], conflict_columns: list[str]
) -> Any:
    insert = postgresql_insert if dialect_name(session) == "postgresql" else sqlite_insert
    return insert(_table(model)).values(**values).on_conflict_do_nothing(index_elements=conflict_columns)


async def insert_if_absent(
    session: AsyncSession, model: type[DeclarativeBase], values: dict[str, Any], conflict_columns: list[str]
) -> int | None:
    """Insert a row and return its id, or None when a row with the same key already exists.

    On PostgreSQL a concurrent, uncommitted insert of the same key makes this wait for that transaction, so two
    writers never both believe they created the row.
    """
    statement = _insert_ignoring(session, model, values, conflict_columns).returning(_table(model).c.id)
    result = await session.execute(statement)
    value = result.scalar_one_or_none()
    return None if value is None else int(value)


async def insert_ignoring_conflict(
    session: AsyncSession,
    model: type[DeclarativeBase],
    values: dict[str, Any] | list[dict[str, Any]],
    conflict_columns: list[str],
) -> None:
    """Insert one row, or many in one statement, skipping those whose key exists."""
    insert = postgresql_insert if dialect_name(session) == "postgresql" else sqlite_insert
    rows = values if isinstance(values, list) else [values]
    if rows:
        # Parameters passed separately (executemany) keep the compiled statement cacheable whatever the row count.
        statement = insert(_table(model)).on_conflict_do_nothing(index_elements=conflict_columns)
        await session.execute(statement, rows)


async def insert_returning_on_conflict_skip(
    session: AsyncSession,
    model: type[DeclarativeBase],
    rows: list[dict[str, Any]],
    conflict_columns: list[str],
    *returning: Any,
) -> list[tuple[Any, ...]]:
    """Insert many rows in one statement; rows whose key already exists are skipped. Returns the inserted rows'
    ``returning`` columns."""
    if not rows:
        return []
    insert = postgresql_insert if dialect_name(session) == "postgresql" else sqlite_insert
    statement = insert(_table(model)).on_conflict_do_nothing(index_elements=conflict_columns).returning(*returning)
    result = await session.execute(statement, rows)
    return [tuple(row) for row in result.all()]

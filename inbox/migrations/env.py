"""Alembic environment: migrations run on the same async engine the hub uses, for SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from inbox.crypto.columns import AttributesDocument
from inbox.crypto.sealed_record import SealedRecord
from inbox.models import Base
from inbox.search_schema import compared_with_models

config = context.config
target_metadata = Base.metadata


def _render_item(type_: str, item: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Migrations record the stored form of sealed columns, never the application types that seal them."""
    if type_ == "type" and isinstance(item, SealedRecord):
        return "sa.LargeBinary()"
    if type_ == "type" and isinstance(item, AttributesDocument):
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return "sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')"
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
        include_name=compared_with_models,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


def main() -> None:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("the migration needs a database URL")
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    else:
        asyncio.run(_run_online(url))


main()

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from inbox.models import Base
from inbox.search_schema import compared_with_models
from workers.context import JobContext


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"include_name": compared_with_models})
    return list(compare_metadata(context, Base.metadata))


async def test_the_migrated_schema_matches_the_models(ctx: JobContext) -> None:
    async with ctx.store.reader.connect() as connection:
        differences = await connection.run_sync(_differences)
    assert differences == []

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from inbox.models import Base
from workers.context import JobContext


def _differences(connection: Connection) -> list[object]:
    return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))


async def test_the_migrated_schema_matches_the_models(ctx: JobContext) -> None:
    async with ctx.store.reader.connect() as connection:
        differences = await connection.run_sync(_differences)
    assert differences == []

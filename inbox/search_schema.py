"""Which schema objects belong to the search index rather than to the models.

The search index is built by migration 0004 in each backend's own terms (FTS5 virtual tables and their shadow
tables on SQLite, pg_trgm GIN indexes on PostgreSQL); the SQLAlchemy models cannot describe them. Comparing the
migrated schema with the models (autogenerate, the schema test) leaves them out by name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.runtime.environment import NameFilterParentNames, NameFilterType

# FTS5 names its shadow tables after the index table: search_messages_data, search_messages_idx, …
INDEX_TABLE_PREFIX = "search_"
INDEX_PREFIX = "ix_search_"


def compared_with_models(name: str | None, type_: NameFilterType, parent_names: NameFilterParentNames) -> bool:
    """Alembic's ``include_name`` hook: False for the search index's own tables and indexes."""
    del parent_names
    if name is None:
        return True
    if type_ == "table":
        return not name.startswith(INDEX_TABLE_PREFIX)
    if type_ == "index":
        return not name.startswith(INDEX_PREFIX)
    return True

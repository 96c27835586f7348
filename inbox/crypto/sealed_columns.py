"""Every sealed column in the schema, found from the models, and a raw view of it that bypasses the sealing.

Rotation and the checks read and write tokens as stored; going through the sealing types would open and re-seal
every value with the newest key and leave no way to tell which key a value was sealed with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, LargeBinary, Table, column, table
from sqlalchemy.sql.expression import ColumnClause, TableClause

from inbox.crypto.columns import AttributesDocument
from inbox.crypto.sealed_record import SealedRecord
from inbox.models import Base
from inbox.models.base import JsonDocument


@dataclass(frozen=True)
class SealedTable:
    name: str
    key: str
    # Binary column name -> purpose bound into its tokens.
    sealed: dict[str, str]
    # JSON columns holding sealed attributes inside.
    documents: tuple[str, ...]

    def raw(self) -> TableClause:
        columns: list[ColumnClause[Any]] = [column(self.key)]
        columns += [column(name, LargeBinary()) for name in self.sealed]
        columns += [column(name, JsonDocument) for name in self.documents]
        return table(self.name, *columns)


def sealed_tables() -> list[SealedTable]:
    found: list[SealedTable] = []
    for item in Base.metadata.sorted_tables:
        sealed = {c.name: c.type.purpose for c in item.columns if isinstance(c.type, SealedRecord)}
        documents = tuple(c.name for c in item.columns if isinstance(c.type, AttributesDocument))
        if sealed or documents:
            found.append(SealedTable(item.name, _single_key(item), sealed, documents))
    return found


def _single_key(item: Table) -> str:
    keys: list[Column[object]] = list(item.primary_key.columns)
    if len(keys) != 1:
        raise TypeError(f"{item.name}: sealed columns need a table with a one-column primary key")
    return keys[0].name

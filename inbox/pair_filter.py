"""``(a, b) IN (...)`` written so every backend uses the composite index.

PostgreSQL plans a row-value IN list as a scan of the whole table; grouped by the first column, as
``(a = x AND b IN (...)) OR (a = y AND b IN (...))``, it becomes index lookups. The first column always has few
distinct values here (channels, identity kinds).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_
from sqlalchemy.orm import InstrumentedAttribute


def pairs_in(
    first: InstrumentedAttribute[Any], second: InstrumentedAttribute[Any], pairs: Iterable[tuple[Any, Any]]
) -> ColumnElement[bool]:
    grouped: dict[Any, list[Any]] = defaultdict(list)
    for a, b in pairs:
        grouped[a].append(b)
    if not grouped:
        return false()
    return or_(*(and_(first == a, second.in_(sorted(set(bs)))) for a, bs in sorted(grouped.items())))

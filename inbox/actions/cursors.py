"""Reading and advancing pollers' positions in outside sources."""

from __future__ import annotations

from typing import Any

from inbox.models import SyncCursor, utcnow
from inbox.store import Store


async def read_cursor(store: Store, key: str) -> dict[str, Any] | None:
    async with store.read() as session:
        cursor = await session.get(SyncCursor, key)
        return dict(cursor.position) if cursor is not None else None


async def do_set_cursor(store: Store, key: str, position: dict[str, Any]) -> None:
    async with store.write() as session:
        cursor = await session.get(SyncCursor, key)
        if cursor is None:
            session.add(SyncCursor(key=key, position=position, updated_at=utcnow()))
        else:
            cursor.position = position

"""Keeping every inbound payload as it arrived, once per distinct content, and reading it back."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from inbox.blobs import BlobStore
from inbox.models import RawPayload
from inbox.upsert import insert_ignoring_conflict


def too_large_to_inline(data: bytes, inline_limit: int) -> bool:
    return len(data) > inline_limit


def raw_row(data: bytes, channel: str, now: datetime, inline_limit: int) -> dict[str, Any]:
    return {
        "sha256": BlobStore.digest(data),
        "channel": channel,
        "size": len(data),
        "content": None if too_large_to_inline(data, inline_limit) else data,
        "stored_at": now,
    }


async def keep_raws(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Record payloads; large ones must already be in the blob store (see ``too_large_to_inline``)."""
    unique = {row["sha256"]: row for row in rows}
    await insert_ignoring_conflict(session, RawPayload, list(unique.values()), ["sha256"])


async def load_raw(session: AsyncSession, blobs: BlobStore, digest: str) -> bytes:
    row = await session.get(RawPayload, digest)
    if row is None:
        raise LookupError(f"no raw payload {digest}")
    if row.content is not None:
        return row.content
    return await blobs.get(digest)

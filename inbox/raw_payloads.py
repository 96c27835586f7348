"""Recording that a raw payload is held in the blob store, once per distinct content."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from inbox.models import RawPayload, utcnow
from inbox.upsert import insert_ignoring_conflict


async def keep_raw(session: AsyncSession, digest: str, channel: str, size: int) -> None:
    await insert_ignoring_conflict(
        session,
        RawPayload,
        {"sha256": digest, "channel": channel, "size": size, "stored_at": utcnow()},
        ["sha256"],
    )

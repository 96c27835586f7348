"""Writing jobs into the transactional outbox, inside the caller's unit of work."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inbox.models import OutboxJob, OutboxStatus, utcnow
from inbox.upsert import insert_if_absent


async def enqueue(
    session: AsyncSession,
    job: str,
    key: str,
    payload: dict[str, Any],
    *,
    run_after: datetime | None = None,
) -> bool:
    """Queue ``job`` unless a job with the same key exists; True when this call queued it."""
    now = utcnow()
    created = await insert_if_absent(
        session,
        OutboxJob,
        {
            "job": job,
            "key": key,
            "payload": payload,
            "status": "pending",
            "attempts": 0,
            "run_after": run_after or now,
            "created_at": now,
        },
        ["key"],
    )
    session.info["queued_jobs"] = True
    return created is not None


async def queue_drain(session: AsyncSession, reason: str) -> bool:
    """Ask for the waiting queue to be drained because capacity freed (``reason`` says how). One pending drain
    serves every call made before it runs, so a burst of resolutions queues one; once it has started, a new
    call queues another, since the freed capacity may come after the drain looked."""
    pending = await session.execute(
        select(OutboxJob.id).where(OutboxJob.job == "drain", OutboxJob.status == OutboxStatus.PENDING.value).limit(1)
    )
    if pending.scalar_one_or_none() is not None:
        return False
    return await enqueue(session, "drain", f"drain:{uuid.uuid4().hex}", {"reason": reason})

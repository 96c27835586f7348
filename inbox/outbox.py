"""Writing jobs into the transactional outbox, inside the caller's unit of work."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from inbox.models import OutboxJob, utcnow
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

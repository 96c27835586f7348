"""Queueing the routing of newly stored conversations, coalesced: batches stored while a routing job still waits
to be picked up add their conversations to it instead of queueing one each.

Under a burst of webhooks or chat messages the store commits many small batches a second; one routing job per
batch would cost the job runner a claim, a routing pass and a finish for each. The waiting job is locked while
it grows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite has one writer at a time), so a runner that claims it
sees it before or after, never half-written, and a job already claimed is never changed: a new one is queued.
Called inside the ingest transaction; never commits.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from inbox.models import OutboxJob, OutboxStatus
from inbox.upsert import insert_ignoring_conflict

ROUTE_JOB = "route"
# A routing pass reads these conversations in one query and writes one event each; past this size a new job
# starts so that a single pass stays short.
MAX_CONVERSATIONS_PER_JOB = 500


async def queue_routing(
    session: AsyncSession, conversation_ids: Collection[int], first_message_id: int, now: datetime
) -> None:
    """Have ``conversation_ids`` routed: added to the waiting routing job, or in a new one keyed by the batch's
    first message (which no other batch stores, so the same batch never queues two)."""
    wanted = set(conversation_ids)
    if not wanted:
        return
    waiting = (
        select(OutboxJob.id, OutboxJob.payload)
        .where(OutboxJob.job == ROUTE_JOB, OutboxJob.status == OutboxStatus.PENDING.value, OutboxJob.run_after <= now)
        .order_by(OutboxJob.id.desc())
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        waiting = waiting.with_for_update(skip_locked=True)
    row = (await session.execute(waiting)).first()
    if row is not None:
        held = {int(value) for value in (row.payload or {}).get("conversation_ids") or ()}
        merged = held | wanted
        if len(merged) <= MAX_CONVERSATIONS_PER_JOB:
            await session.execute(
                update(OutboxJob)
                .where(OutboxJob.id == row.id, OutboxJob.status == OutboxStatus.PENDING.value)
                .values(payload={**(row.payload or {}), "conversation_ids": sorted(merged)})
                .execution_options(synchronize_session=False)
            )
            session.info["queued_jobs"] = True
            return
    job = {
        "job": ROUTE_JOB,
        "key": f"{ROUTE_JOB}:{first_message_id}",
        "payload": {"conversation_ids": sorted(wanted)},
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "run_after": now,
        "created_at": now,
    }
    await insert_ignoring_conflict(session, OutboxJob, [job], ["key"])
    session.info["queued_jobs"] = True

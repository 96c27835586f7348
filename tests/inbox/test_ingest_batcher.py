from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from inbox.ingest_batcher import IngestBatcher
from inbox.models import Message
from tests.support.factories import inbound
from workers.context import JobContext


async def test_concurrent_submissions_share_transactions_and_each_gets_its_outcome(ctx: JobContext) -> None:
    batcher = IngestBatcher(ctx.store, ctx.blobs, ctx.settings)
    try:
        outcomes = await asyncio.gather(*(batcher.submit(inbound(external_id=f"b{n}@example.com")) for n in range(30)))
    finally:
        await batcher.stop()
    assert len({outcome.message_id for outcome in outcomes}) == 30
    assert all(outcome.created for outcome in outcomes)


async def test_one_message_the_store_rejects_does_not_fail_its_neighbours(ctx: JobContext) -> None:
    batcher = IngestBatcher(ctx.store, ctx.blobs, ctx.settings)
    # Bytes cannot be written to a JSON column: this message fails inside the store's transaction.
    broken = inbound(external_id="broken@example.com", metadata={"oops": b"\xff"})  # type: ignore[dict-item]
    good = [inbound(external_id=f"g{n}@example.com") for n in range(5)]
    try:
        results = await asyncio.gather(
            *(batcher.submit(message) for message in [*good[:2], broken, *good[2:]]), return_exceptions=True
        )
    finally:
        await batcher.stop()
    failures = [result for result in results if isinstance(result, BaseException)]
    assert len(failures) == 1
    assert "not JSON serializable" in str(failures[0])
    async with ctx.store.read() as session:
        stored = (await session.execute(select(func.count(Message.id)))).scalar_one()
    assert stored == 5

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, select

from channels.base import ChannelName, Identity, IdentityKind
from inbox.actions.ingest import do_ingest_batch
from inbox.actions.webhook_endpoints import do_create_webhook_endpoint, do_update_webhook_endpoint
from inbox.models import OutboxJob
from tests.support.factories import inbound
from workers.context import JobContext


@contextmanager
def statements(ctx: JobContext) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    engine = ctx.store.writer.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _batch(prefix: str, size: int) -> list[Any]:
    return [
        inbound(
            ChannelName.EMAIL,
            external_id=f"{prefix}{n}@example.com",
            sender=Identity(IdentityKind.EMAIL, f"{prefix}{n}@example.com"),
        )
        for n in range(size)
    ]


async def _events(ctx: JobContext) -> list[OutboxJob]:
    async with ctx.store.read() as session:
        found = await session.execute(select(OutboxJob).where(OutboxJob.job == "webhook_event").order_by(OutboxJob.id))
        return list(found.scalars())


async def test_a_batch_costs_one_insert_of_events_and_the_subscriptions_are_remembered(ctx: JobContext) -> None:
    await do_create_webhook_endpoint(
        ctx.store, url="https://crm.example.com/hook", events=["message.created"], actor_agent_id=None
    )
    with statements(ctx) as first:
        outcomes = await do_ingest_batch(ctx.store, ctx.blobs, ctx.settings, _batch("a", 25))
    with statements(ctx) as second:
        await do_ingest_batch(ctx.store, ctx.blobs, ctx.settings, _batch("b", 25))
    assert sum("webhook_endpoints" in s for s in first) == 1, "one look at the subscriptions, not one per message"
    assert sum("webhook_endpoints" in s for s in second) == 0, "and none while it is fresh"
    events = await _events(ctx)
    assert len(events) == 50 and len({e.payload["event_id"] for e in events}) == 50
    assert {e.payload["data"]["message_id"] for e in events[:25]} == {o.message_id for o in outcomes}  # type: ignore[union-attr]
    assert all(e.payload["kind"] == "message.created" for e in events)


async def test_a_change_in_this_process_is_seen_at_once(ctx: JobContext) -> None:
    created = await do_create_webhook_endpoint(
        ctx.store, url="https://crm.example.com/hook", events=["conversation.assigned"], actor_agent_id=None
    )
    await do_ingest_batch(ctx.store, ctx.blobs, ctx.settings, _batch("a", 3))
    assert await _events(ctx) == []
    await do_update_webhook_endpoint(
        ctx.store, endpoint_id=created.endpoint_id, events=["message.created"], actor_agent_id=None
    )
    await do_ingest_batch(ctx.store, ctx.blobs, ctx.settings, _batch("b", 3))
    assert len(await _events(ctx)) == 3

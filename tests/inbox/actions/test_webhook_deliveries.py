from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from channels.base import Identity, IdentityKind
from inbox.actions.customer_erase import do_erase_customer
from inbox.actions.webhook_deliveries import do_purge_webhook_log
from inbox.actions.webhook_endpoints import do_create_webhook_endpoint
from inbox.models import WebhookDelivery, utcnow
from tests.support.factories import add_agent, inbound, ingest
from tests.support.jobs import JobDriver
from tests.support.webhook_receiver import Receiver
from workers.context import JobContext


async def test_the_log_keeps_recent_and_unfinished_deliveries(ctx: JobContext) -> None:
    created = await do_create_webhook_endpoint(
        ctx.store, url="https://crm.example.com/hook", events=["message.created"], actor_agent_id=None
    )
    long_ago, lately = utcnow() - timedelta(days=31), utcnow() - timedelta(days=29)
    rows = [
        ("old-done", "succeeded", long_ago),
        ("old-dead", "dead", long_ago),
        ("old-retrying", "retrying", long_ago),
        ("old-pending", "pending", long_ago),
        ("new-done", "succeeded", lately),
    ]
    async with ctx.store.write() as session:
        for event_id, status, when in rows:
            session.add(
                WebhookDelivery(
                    event_id=event_id,
                    event_kind="message.created",
                    endpoint_id=created.endpoint_id,
                    body="{}",
                    status=status,
                    created_at=when,
                )
            )
    assert await do_purge_webhook_log(ctx.store, older_than=timedelta(days=30), batch_size=1) == 2
    assert await do_purge_webhook_log(ctx.store, older_than=timedelta(days=30)) == 0
    async with ctx.store.read() as session:
        left = (await session.execute(select(WebhookDelivery.event_id).order_by(WebhookDelivery.id))).scalars()
        assert list(left) == ["old-retrying", "old-pending", "new-done"]


async def test_erasing_a_customer_removes_the_copies_sent_about_them(ctx: JobContext, jobs: JobDriver) -> None:
    admin = await add_agent(ctx, "Root Admin", role="admin")
    async with Receiver() as receiver:
        await do_create_webhook_endpoint(ctx.store, url=receiver.url, events=["message.created"], actor_agent_id=None)
        first = await ingest(ctx, inbound())
        bob = Identity(IdentityKind.EMAIL, "bob@example.com", "Bob")
        other = await ingest(ctx, inbound(external_id="m9@example.com", sender=bob, text="Hi"))
        await jobs.drain()
        assert len(receiver.requests) == 2
    async with ctx.store.read() as session:
        about = (await session.execute(select(WebhookDelivery.contact_id))).scalars().all()
    assert sorted(about) == sorted([first.contact_id, other.contact_id])
    await do_erase_customer(ctx.store, ctx.blobs, first.contact_id, actor_agent_id=admin)
    async with ctx.store.read() as session:
        left = (await session.execute(select(WebhookDelivery.contact_id))).scalars().all()
    assert first.contact_id != other.contact_id and left == [other.contact_id]

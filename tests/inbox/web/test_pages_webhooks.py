from __future__ import annotations

import re
import time

from sqlalchemy import select

from inbox.models import WebhookDelivery, WebhookEndpoint
from tests.support.factories import inbound, ingest
from tests.support.jobs import JobDriver
from tests.support.web import build_app, build_world, client_for, page_token, sign_in
from tests.support.webhook_receiver import Receiver, verify
from workers.context import JobContext

SECRET_SHOWN = re.compile(r"data-webhook-secret>([^<]+)<")


async def test_an_admin_adds_a_webhook_reads_its_log_and_redelivers(ctx: JobContext, jobs: JobDriver) -> None:
    world = await build_world(ctx)
    await jobs.drain()
    async with Receiver(default=503) as receiver, client_for(build_app(ctx)) as client:
        await sign_in(client, world.emails["root"])
        assert 'href="/settings/webhooks"' in (await client.get("/")).text
        token = await page_token(client, "/settings/webhooks")
        added = await client.post(
            "/settings/webhooks",
            data={"csrf_token": token, "url": receiver.url, "events": ["message.created"], "description": "CRM"},
        )
        assert added.status_code == 201
        found = SECRET_SHOWN.search(added.text)
        assert found is not None, "the new secret is shown once"
        secret = found.group(1)
        async with ctx.store.read() as session:
            endpoint = (await session.execute(select(WebhookEndpoint))).scalar_one()
        listing = await client.get("/settings/webhooks")
        assert receiver.url in listing.text and secret not in listing.text
        await ingest(ctx, inbound(external_id="new@example.com", text="Hello there"))
        await jobs.drain()
        assert verify(receiver.requests[0], secret, now=int(time.time()))
        log = await client.get(f"/settings/webhooks/{endpoint.id}")
        assert "message.created" in log.text and "dead" in log.text and "503" in log.text
        assert secret not in log.text
        async with ctx.store.read() as session:
            delivery = (await session.execute(select(WebhookDelivery))).scalar_one()
        receiver.default = 200
        again = await client.post(
            f"/settings/webhooks/{endpoint.id}/deliveries/{delivery.id}/redeliver", data={"csrf_token": token}
        )
        assert again.status_code == 303
        await jobs.drain()
        assert "succeeded" in (await client.get(f"/settings/webhooks/{endpoint.id}")).text
        switched_off = await client.post(
            f"/settings/webhooks/{endpoint.id}",
            data={"csrf_token": token, "url": receiver.url, "events": ["message.created"], "description": "CRM"},
        )
        assert switched_off.status_code == 303
        async with ctx.store.read() as session:
            assert (await session.get(WebhookEndpoint, endpoint.id)).active is False  # type: ignore[union-attr]
        refused = await client.post(
            "/settings/webhooks", data={"csrf_token": token, "url": "not a url", "events": ["message.created"]}
        )
        assert refused.status_code == 422 and "must start with https://" in refused.text
        gone = await client.post(f"/settings/webhooks/{endpoint.id}/delete", data={"csrf_token": token})
        assert gone.status_code == 303
        async with ctx.store.read() as session:
            assert (await session.execute(select(WebhookDelivery))).first() is None


async def test_the_webhook_pages_are_out_of_reach_for_everyone_but_admins(ctx: JobContext) -> None:
    world = await build_world(ctx)
    for name in ("chen", "olivia", "mia"):
        async with client_for(build_app(ctx)) as client:
            await sign_in(client, world.emails[name])
            assert 'href="/settings/webhooks"' not in (await client.get("/notifications")).text
            assert (await client.get("/settings/webhooks")).status_code == 404
            token = await page_token(client, "/notifications")
            posted = await client.post(
                "/settings/webhooks",
                data={"csrf_token": token, "url": "https://x.example.com", "events": ["message.created"]},
            )
            assert posted.status_code == 404
    async with ctx.store.read() as session:
        assert (await session.execute(select(WebhookEndpoint))).first() is None

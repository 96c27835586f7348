from __future__ import annotations

from sqlalchemy import select

from inbox.actions.api_tokens import do_issue_api_token
from inbox.models import Event, OutboxJob, WebhookDelivery
from tests.support.factories import inbound, ingest
from tests.support.jobs import JobDriver
from tests.support.web import World, build_app, build_world, client_for
from tests.support.webhook_receiver import Receiver
from workers.context import JobContext


async def _bearer(ctx: JobContext, world: World, name: str) -> dict[str, str]:
    issued = await do_issue_api_token(ctx.store, agent_id=world.people[name], name="test", actor_agent_id=None)
    return {"Authorization": f"Bearer {issued.token}"}


async def test_admins_register_change_and_remove_endpoints(ctx: JobContext) -> None:
    world = await build_world(ctx)
    async with client_for(build_app(ctx)) as client:
        root = await _bearer(ctx, world, "root")
        created = await client.post(
            "/api/v1/webhooks",
            json={"url": "https://crm.example.com/hook", "events": ["message.created"], "description": "CRM"},
            headers=root,
        )
        assert created.status_code == 201
        document = created.json()
        assert document["secret"].startswith("whsec_") and document["secret_hint"] == "…" + document["secret"][-4:]
        webhook_id = document["id"]
        listed = (await client.get("/api/v1/webhooks", headers=root)).json()
        assert [w["id"] for w in listed["webhooks"]] == [webhook_id]
        assert "secret" not in listed["webhooks"][0] and "message.created" in listed["events"]
        changed = await client.patch(
            f"/api/v1/webhooks/{webhook_id}",
            json={"active": False, "events": ["conversation.assigned", "conversation.status_changed"]},
            headers=root,
        )
        assert changed.status_code == 200
        assert changed.json()["active"] is False and changed.json()["events"] == [
            "conversation.assigned",
            "conversation.status_changed",
        ]
        refused = await client.patch(f"/api/v1/webhooks/{webhook_id}", json={"events": ["tea.brewed"]}, headers=root)
        assert refused.status_code == 422 and "tea.brewed" in refused.json()["detail"]
        bad_url = await client.post(
            "/api/v1/webhooks", json={"url": "ftp://example.com", "events": ["message.created"]}, headers=root
        )
        assert bad_url.status_code == 422
        short = await client.post(
            "/api/v1/webhooks",
            json={"url": "https://x.example.com", "events": ["message.created"], "secret": "short"},
            headers=root,
        )
        assert short.status_code == 422
        assert (await client.post("/api/v1/webhooks", json={"url": 5}, headers=root)).status_code == 400
        assert (await client.delete(f"/api/v1/webhooks/{webhook_id}", headers=root)).status_code == 204
        assert (await client.get(f"/api/v1/webhooks/{webhook_id}", headers=root)).status_code == 404
    async with ctx.store.read() as session:
        kinds = (
            (await session.execute(select(Event.kind).where(Event.kind.like("webhook.%")).order_by(Event.id)))
            .scalars()
            .all()
        )
    assert kinds == ["webhook.created", "webhook.changed", "webhook.deleted"]


async def test_only_admins_manage_webhooks(ctx: JobContext) -> None:
    world = await build_world(ctx)
    async with client_for(build_app(ctx)) as client:
        for name in ("chen", "olivia", "mia"):
            headers = await _bearer(ctx, world, name)
            assert (await client.get("/api/v1/webhooks", headers=headers)).status_code == 403
            posted = await client.post(
                "/api/v1/webhooks",
                json={"url": "https://x.example.com", "events": ["message.created"]},
                headers=headers,
            )
            assert posted.status_code == 403
        assert (await client.get("/api/v1/webhooks")).status_code == 401


async def test_the_delivery_log_and_redelivery(ctx: JobContext, jobs: JobDriver) -> None:
    world = await build_world(ctx)
    await jobs.drain()
    async with Receiver(default=500) as receiver, client_for(build_app(ctx)) as client:
        root = await _bearer(ctx, world, "root")
        created = await client.post(
            "/api/v1/webhooks", json={"url": receiver.url, "events": ["message.created"]}, headers=root
        )
        webhook_id = created.json()["id"]
        await ingest(ctx, inbound(external_id="late@example.com"))
        await jobs.drain()
        log = (await client.get(f"/api/v1/webhooks/{webhook_id}/deliveries?status=dead", headers=root)).json()
        (dead,) = log["deliveries"]
        assert dead["status"] == "dead" and dead["response_code"] == 500
        assert dead["attempts"] == ctx.settings.jobs.max_attempts and "500" in dead["last_error"]
        overview = (await client.get(f"/api/v1/webhooks/{webhook_id}", headers=root)).json()
        assert overview["deliveries"] == {"dead": 1}
        receiver.default = 200
        again = await client.post(f"/api/v1/webhooks/{webhook_id}/deliveries/{dead['id']}/redeliver", headers=root)
        assert again.status_code == 202
        missing = await client.post(f"/api/v1/webhooks/{webhook_id}/deliveries/999/redeliver", headers=root)
        assert missing.status_code == 404
        await jobs.drain()
        (done,) = (await client.get(f"/api/v1/webhooks/{webhook_id}/deliveries", headers=root)).json()["deliveries"]
        assert done["status"] == "succeeded" and done["response_code"] == 200
    async with ctx.store.read() as session:
        assert len((await session.execute(select(WebhookDelivery))).scalars().all()) == 1
        keys = (await session.execute(select(OutboxJob.key).where(OutboxJob.job == "webhook_delivery"))).scalars()
        assert sorted(keys) == [f"webhook_delivery:{dead['id']}:0", f"webhook_delivery:{dead['id']}:1"]

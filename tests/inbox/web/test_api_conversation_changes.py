from __future__ import annotations

from sqlalchemy import select

from inbox.actions.api_tokens import do_issue_api_token
from inbox.models import Event
from tests.support.web import World, build_app, build_world, client_for
from workers.context import JobContext


async def _bearer(ctx: JobContext, world: World, name: str) -> dict[str, str]:
    issued = await do_issue_api_token(ctx.store, agent_id=world.people[name], name="test", actor_agent_id=None)
    return {"Authorization": f"Bearer {issued.token}"}


async def test_status_snooze_and_refusals(ctx: JobContext) -> None:
    world = await build_world(ctx)
    own = world.conversations["chen_own"]
    async with client_for(build_app(ctx)) as client:
        chen = await _bearer(ctx, world, "chen")
        pending = await client.post(f"/api/v1/conversations/{own}/status", json={"status": "pending"}, headers=chen)
        assert pending.status_code == 200
        assert pending.json()["changed"] is True and pending.json()["conversation"]["status"] == "pending"
        snoozed = await client.post(
            f"/api/v1/conversations/{own}/status",
            json={"status": "snoozed", "snoozed_until": "2099-01-02T03:04:00Z"},
            headers=chen,
        )
        assert snoozed.json()["conversation"]["snoozed_until"].startswith("2099-01-02T03:04")
        past = await client.post(
            f"/api/v1/conversations/{own}/status",
            json={"status": "snoozed", "snoozed_until": "2001-01-01T00:00:00"},
            headers=chen,
        )
        assert past.status_code == 422
        bad = await client.post(f"/api/v1/conversations/{own}/status", json={"status": "gone"}, headers=chen)
        assert bad.status_code == 422
        assert (await client.post(f"/api/v1/conversations/{own}/status", json=[], headers=chen)).status_code == 400
        other = world.conversations["billing_own"]
        hidden = await client.post(f"/api/v1/conversations/{other}/status", json={"status": "open"}, headers=chen)
        assert hidden.status_code == 404
        mia = await _bearer(ctx, world, "mia")
        marketer = await client.post(f"/api/v1/conversations/{own}/status", json={"status": "open"}, headers=mia)
        assert marketer.status_code == 403


async def test_assign_and_transfer(ctx: JobContext) -> None:
    world = await build_world(ctx)
    queued = world.conversations["front_queue"]
    async with client_for(build_app(ctx)) as client:
        olivia = await _bearer(ctx, world, "olivia")
        taken = await client.post(
            f"/api/v1/conversations/{queued}/assign", json={"agent_id": world.people["marcus"]}, headers=olivia
        )
        assert taken.status_code == 200 and taken.json()["conversation"]["assignee_id"] == world.people["marcus"]
        moved = await client.post(
            f"/api/v1/conversations/{queued}/assign",
            json={"agent_id": None, "team_id": world.teams["Billing"], "note": "billing question"},
            headers=olivia,
        )
        body = moved.json()["conversation"]
        assert body["assignee_id"] is None and body["team_id"] == world.teams["Billing"]
        # Now in another team's queue: out of Olivia's reach.
        assert (await client.get(f"/api/v1/conversations/{queued}", headers=olivia)).status_code == 404
        gone = await client.post(f"/api/v1/conversations/{queued}/assign", json={"agent_id": None}, headers=olivia)
        assert gone.status_code == 404
        chen = await _bearer(ctx, world, "chen")
        shared = world.conversations["shared_queue"]
        marketer = await client.post(
            f"/api/v1/conversations/{shared}/assign", json={"agent_id": world.people["mia"]}, headers=chen
        )
        assert marketer.status_code == 422
        assert (await client.post(f"/api/v1/conversations/{shared}/assign", json={}, headers=chen)).status_code == 400
    async with ctx.store.read() as session:
        notes = (await session.execute(select(Event.data).where(Event.kind == "conversation.assigned"))).scalars()
        assert "billing question" in [data.get("note") for data in notes]


async def test_labels_are_added_listed_and_removed(ctx: JobContext) -> None:
    world = await build_world(ctx)
    own, queue = world.conversations["chen_own"], world.conversations["front_queue"]
    async with client_for(build_app(ctx)) as client:
        chen = await _bearer(ctx, world, "chen")
        added = await client.post(f"/api/v1/conversations/{own}/labels", json={"label": "VIP  guest"}, headers=chen)
        assert added.status_code == 201 and added.json()["labels"] == ["VIP guest"]
        same = await client.post(f"/api/v1/conversations/{own}/labels", json={"label": "VIP guest"}, headers=chen)
        assert same.status_code == 200 and same.json()["changed"] is False
        await client.post(f"/api/v1/conversations/{queue}/labels", json={"label": "VIP guest"}, headers=chen)
        await client.post(f"/api/v1/conversations/{queue}/labels", json={"label": "退款"}, headers=chen)
        bad = await client.post(f"/api/v1/conversations/{own}/labels", json={"label": "<b>"}, headers=chen)
        assert bad.status_code == 422
        listed = (await client.get("/api/v1/labels", headers=chen)).json()["labels"]
        assert listed == [{"name": "VIP guest", "conversations": 2}, {"name": "退款", "conversations": 1}]
        zhao = await _bearer(ctx, world, "zhao")
        assert (await client.get("/api/v1/labels", headers=zhao)).json()["labels"] == []
        removed = await client.delete(f"/api/v1/conversations/{own}/labels/VIP%20guest", headers=chen)
        assert removed.status_code == 200 and removed.json()["labels"] == []
        hidden = world.conversations["billing_own"]
        assert (
            await client.post(f"/api/v1/conversations/{hidden}/labels", json={"label": "x"}, headers=chen)
        ).status_code == 404

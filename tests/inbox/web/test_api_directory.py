from __future__ import annotations

from sqlalchemy import select

from inbox.actions.api_tokens import do_issue_api_token
from inbox.models import Event
from tests.support.web import build_app, build_world, client_for
from workers.context import JobContext


async def test_a_customer_record_is_read_within_reach_and_the_read_is_audited(ctx: JobContext) -> None:
    world = await build_world(ctx)
    token = (await do_issue_api_token(ctx.store, agent_id=world.people["chen"], name="t", actor_agent_id=None)).token
    contact_id = world.contacts["chen_own"]
    async with client_for(build_app(ctx)) as client:
        response = await client.get(f"/api/v1/contacts/{contact_id}", headers={"Authorization": f"Bearer {token}"})
    body = response.json()
    assert response.status_code == 200 and body["tier"] == "gold"
    assert body["identities"] == [{"kind": "email", "value": "chen_own@example.com", "verified": False}]
    async with ctx.store.read() as session:
        reads = (await session.execute(select(Event).where(Event.kind == "contact.viewed"))).scalars().all()
    assert [(e.actor_agent_id, e.contact_id, e.data["via"]) for e in reads] == [
        (world.people["chen"], contact_id, "api")
    ]


async def test_agents_and_teams(ctx: JobContext) -> None:
    world = await build_world(ctx)
    token = (await do_issue_api_token(ctx.store, agent_id=world.people["root"], name="t", actor_agent_id=None)).token
    headers = {"Authorization": f"Bearer {token}"}
    async with client_for(build_app(ctx)) as client:
        agents = (await client.get("/api/v1/agents", headers=headers)).json()["agents"]
        teams = (await client.get("/api/v1/teams", headers=headers)).json()["teams"]
    by_email = {a["email"]: a for a in agents}
    assert by_email["olivia@hub.example"]["role"] == "supervisor"
    assert by_email["olivia@hub.example"]["team_ids"] == [world.teams["Front desk"]]
    assert all("password" not in key for a in agents for key in a)
    assert {t["name"] for t in teams} == {"Front desk", "Billing"}


async def test_contacts_are_listed_and_searched_within_reach(ctx: JobContext) -> None:
    world = await build_world(ctx)
    chen = (await do_issue_api_token(ctx.store, agent_id=world.people["chen"], name="t", actor_agent_id=None)).token
    headers = {"Authorization": f"Bearer {chen}"}
    async with client_for(build_app(ctx)) as client:
        listed = (await client.get("/api/v1/contacts", headers=headers)).json()["contacts"]
        reachable = {world.contacts[k] for k in ("chen_own", "front_queue", "shared_queue")}
        assert {c["id"] for c in listed} == reachable
        assert all("id_document_number" not in c for c in listed)
        found = (await client.get("/api/v1/contacts?q=front_queue", headers=headers)).json()["contacts"]
        assert [c["id"] for c in found] == [world.contacts["front_queue"]]
        assert (await client.get("/api/v1/contacts?q=billing_own", headers=headers)).json()["contacts"] == []
        paged = (await client.get("/api/v1/contacts?limit=1&offset=1", headers=headers)).json()["contacts"]
        assert len(paged) == 1
        mia = (await do_issue_api_token(ctx.store, agent_id=world.people["mia"], name="t", actor_agent_id=None)).token
        assert (await client.get("/api/v1/contacts", headers={"Authorization": f"Bearer {mia}"})).status_code == 403


async def test_a_customer_is_updated_within_reach(ctx: JobContext) -> None:
    world = await build_world(ctx)
    chen = (await do_issue_api_token(ctx.store, agent_id=world.people["chen"], name="t", actor_agent_id=None)).token
    headers = {"Authorization": f"Bearer {chen}"}
    own = world.contacts["chen_own"]
    async with client_for(build_app(ctx)) as client:
        changed = await client.patch(
            f"/api/v1/contacts/{own}", json={"name": "Li Wei", "language": "zh-CN"}, headers=headers
        )
        assert changed.status_code == 200 and changed.json()["contact"]["name"] == "Li Wei"
        assert changed.json()["contact"]["language"] == "zh-CN"
        bad = await client.patch(f"/api/v1/contacts/{own}", json={"language": "not a language"}, headers=headers)
        assert bad.status_code == 422
        sneaky = await client.patch(f"/api/v1/contacts/{own}", json={"tier": "platinum"}, headers=headers)
        assert sneaky.status_code == 400
        other = world.contacts["billing_own"]
        assert (await client.patch(f"/api/v1/contacts/{other}", json={"name": "X"}, headers=headers)).status_code == 404
    async with ctx.store.read() as session:
        kinds = (await session.execute(select(Event.kind).where(Event.contact_id == own))).scalars().all()
    assert "contact.edited" in kinds


async def test_an_agent_sets_their_own_presence(ctx: JobContext) -> None:
    world = await build_world(ctx)
    chen = (await do_issue_api_token(ctx.store, agent_id=world.people["chen"], name="t", actor_agent_id=None)).token
    headers = {"Authorization": f"Bearer {chen}"}
    async with client_for(build_app(ctx)) as client:
        away = await client.put("/api/v1/agents/me/presence", json={"presence": "away"}, headers=headers)
        assert away.status_code == 200 and away.json()["presence"] == "away"
        agents = (await client.get("/api/v1/agents", headers=headers)).json()["agents"]
        assert {a["id"]: a["presence"] for a in agents}[world.people["chen"]] == "away"
        bad = await client.put("/api/v1/agents/me/presence", json={"presence": "asleep"}, headers=headers)
        assert bad.status_code == 422

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

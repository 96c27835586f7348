from __future__ import annotations

from inbox.actions.api_tokens import do_issue_api_token
from inbox.models import Message
from tests.support.web import World, build_app, build_world, client_for
from workers.context import JobContext


async def _bearer(ctx: JobContext, world: World, name: str) -> dict[str, str]:
    issued = await do_issue_api_token(ctx.store, agent_id=world.people[name], name="test", actor_agent_id=None)
    return {"Authorization": f"Bearer {issued.token}"}


async def test_search_answers_json_within_the_callers_reach(ctx: JobContext) -> None:
    world = await build_world(ctx)
    async with ctx.store.write() as session:
        mine = Message(
            conversation_id=world.conversations["chen_own"],
            direction="inbound",
            channel="email",
            text="The shuttle <i>never</i> came to the airport",
            delivery_status="received",
        )
        theirs = Message(
            conversation_id=world.conversations["billing_own"],
            direction="inbound",
            channel="email",
            text="Shuttle fee on my bill",
            delivery_status="received",
        )
        session.add_all([mine, theirs])
    async with client_for(build_app(ctx)) as client:
        response = await client.get(
            "/api/v1/search", params={"q": "shuttle"}, headers=await _bearer(ctx, world, "chen")
        )
        assert response.status_code == 200
        body = response.json()
        assert [hit["id"] for hit in body["messages"]] == [mine.id]
        hit = body["messages"][0]
        assert hit["conversation_id"] == world.conversations["chen_own"]
        assert hit["snippet_html"] == "The <mark>shuttle</mark> &lt;i&gt;never&lt;/i&gt; came to the airport"
        assert body["truncated"] is False and body["recent_only"] is False and body["has_next"] is False
        people = await client.get(
            "/api/v1/search", params={"q": "chen_own@"}, headers=await _bearer(ctx, world, "chen")
        )
        assert [c["id"] for c in people.json()["customers"]] == [world.contacts["chen_own"]]
        assert people.json()["customers"][0]["conversation_id"] == world.conversations["chen_own"]
        everything = await client.get(
            "/api/v1/search", params={"q": "shuttle"}, headers=await _bearer(ctx, world, "root")
        )
        assert {hit["id"] for hit in everything.json()["messages"]} == {mine.id, theirs.id}


async def test_search_needs_a_token_a_query_and_a_role_that_reads_conversations(ctx: JobContext) -> None:
    world = await build_world(ctx)
    async with client_for(build_app(ctx)) as client:
        assert (await client.get("/api/v1/search", params={"q": "shuttle"})).status_code == 401
        assert (await client.get("/api/v1/search", headers=await _bearer(ctx, world, "chen"))).status_code == 400
        marketer = await client.get("/api/v1/search", params={"q": "shuttle"}, headers=await _bearer(ctx, world, "mia"))
        assert marketer.status_code == 403

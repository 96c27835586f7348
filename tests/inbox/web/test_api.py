from __future__ import annotations

from sqlalchemy import select

from channels.base import ChannelName
from inbox.actions.api_tokens import do_issue_api_token, do_revoke_api_token
from inbox.models import ApiToken, Message
from tests.support.jobs import JobDriver
from tests.support.recording_channel import RecordingChannel
from tests.support.web import World, build_app, build_world, client_for
from workers.context import JobContext


async def _bearer(ctx: JobContext, world: World, name: str) -> dict[str, str]:
    issued = await do_issue_api_token(ctx.store, agent_id=world.people[name], name="test", actor_agent_id=None)
    return {"Authorization": f"Bearer {issued.token}"}


async def test_tokens_are_stored_only_as_digests_and_can_be_revoked(ctx: JobContext) -> None:
    world = await build_world(ctx)
    issued = await do_issue_api_token(ctx.store, agent_id=world.people["chen"], name="script", actor_agent_id=None)
    async with ctx.store.read() as session:
        row = (await session.execute(select(ApiToken))).scalar_one()
    assert issued.token.startswith("hub_") and issued.token not in row.token_sha256
    headers = {"Authorization": f"Bearer {issued.token}"}
    async with client_for(build_app(ctx)) as client:
        assert (await client.get("/api/v1/teams", headers=headers)).status_code == 200
        assert await do_revoke_api_token(ctx.store, token_id=issued.token_id, actor_agent_id=None)
        assert (await client.get("/api/v1/teams", headers=headers)).status_code == 401


async def test_the_list_follows_the_callers_reach(ctx: JobContext) -> None:
    world = await build_world(ctx)
    ids = world.conversations
    async with client_for(build_app(ctx)) as client:
        chen = await _bearer(ctx, world, "chen")
        mine = (await client.get("/api/v1/conversations", headers=chen)).json()
        assert mine["view"] == "mine" and [c["id"] for c in mine["conversations"]] == [ids["chen_own"]]
        assert mine["counts"] == {"mine": 1, "unassigned": 2, "teams": 2}
        assert (await client.get("/api/v1/conversations?view=all", headers=chen)).status_code == 404
        sofia = await _bearer(ctx, world, "sofia")
        billing = (await client.get("/api/v1/conversations", headers=sofia)).json()
        assert [c["id"] for c in billing["conversations"]] == [
            ids["billing_own"],
            ids["shared_queue"],
            ids["billing_queue"],
        ]
        assert billing["conversations"][0]["contact"]["tier"] == "platinum"
        limited = (await client.get("/api/v1/conversations?limit=1&offset=1", headers=sofia)).json()
        assert [c["id"] for c in limited["conversations"]] == [ids["shared_queue"]]


async def test_another_teams_conversation_is_not_found_by_api(ctx: JobContext) -> None:
    world = await build_world(ctx)
    other = world.conversations["billing_own"]
    async with client_for(build_app(ctx)) as client:
        chen = await _bearer(ctx, world, "chen")
        for path in (f"/api/v1/conversations/{other}", f"/api/v1/conversations/{other}/messages"):
            response = await client.get(path, headers=chen)
            assert response.status_code == 404 and response.json()["error"] == "not found"
        reply = await client.post(f"/api/v1/conversations/{other}/reply", headers=chen, json={"text": "hi"})
        assert reply.status_code == 404
        assert (await client.get(f"/api/v1/contacts/{world.contacts['billing_own']}", headers=chen)).status_code == 404
    async with ctx.store.read() as session:
        assert (await session.execute(select(Message).where(Message.direction == "outbound"))).first() is None


async def test_a_marketer_reads_no_conversation_contents(ctx: JobContext) -> None:
    world = await build_world(ctx)
    async with client_for(build_app(ctx)) as client:
        mia = await _bearer(ctx, world, "mia")
        assert (await client.get("/api/v1/conversations", headers=mia)).status_code == 403
        conversation = world.conversations["shared_queue"]
        assert (await client.get(f"/api/v1/conversations/{conversation}/messages", headers=mia)).status_code == 403
        assert (await client.get(f"/api/v1/contacts/{world.contacts['shared_queue']}", headers=mia)).status_code == 404
        assert (await client.get("/api/v1/agents", headers=mia)).status_code == 200


async def test_detail_messages_and_a_reply(ctx: JobContext, jobs: JobDriver) -> None:
    world = await build_world(ctx)
    conversation = world.conversations["chen_own"]
    async with client_for(build_app(ctx)) as client:
        chen = await _bearer(ctx, world, "chen")
        detail = (await client.get(f"/api/v1/conversations/{conversation}", headers=chen)).json()
        assert detail["id"] == conversation and detail["assignee_id"] == world.people["chen"]
        reply = await client.post(
            f"/api/v1/conversations/{conversation}/reply", headers=chen, json={"text": "Done, see you Tuesday."}
        )
        assert reply.status_code == 201
        assert reply.json()["channel"] == "email" and "last wrote on" in reply.json()["channel_reason"]
        note = await client.post(
            f"/api/v1/conversations/{conversation}/reply", headers=chen, json={"text": "internal", "note": True}
        )
        assert note.status_code == 201 and note.json()["queued"] is False
        await jobs.drain()
        messages = (await client.get(f"/api/v1/conversations/{conversation}/messages", headers=chen)).json()
        assert [m["direction"] for m in messages["messages"]] == ["inbound", "outbound", "internal"]
        bad = await client.post(f"/api/v1/conversations/{conversation}/reply", headers=chen, content=b"[1]")
        assert bad.status_code == 400
        refused = await client.post(
            f"/api/v1/conversations/{conversation}/reply", headers=chen, json={"text": "x", "channel": "fax"}
        )
        assert refused.status_code == 422 and "fax" in refused.json()["detail"]
    email = ctx.channels.get(ChannelName.EMAIL)
    assert isinstance(email, RecordingChannel)
    assert [m.text for m in email.sent] == ["Done, see you Tuesday."]

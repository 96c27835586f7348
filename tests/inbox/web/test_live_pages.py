"""What the live pages ask for: presence from the header, and the new part of a conversation's timeline."""

from __future__ import annotations

from inbox.actions.reply import do_reply
from tests.support.web import agent_row, build_app, build_world, client_for, page_token, sign_in
from workers.context import JobContext


async def test_an_agent_sets_their_presence_from_the_header(ctx: JobContext) -> None:
    world = await build_world(ctx)
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, world.emails["chen"])
        token = await page_token(client)
        assert (await client.post("/presence", data={"presence": "online"})).status_code == 403
        assert (await client.post("/presence", data={"presence": "asleep", "csrf_token": token})).status_code == 400
        answer = await client.post(
            "/presence", data={"presence": "busy", "csrf_token": token}, headers={"Accept": "application/json"}
        )
        assert answer.json() == {"presence": "busy", "requeued": []}
        back = await client.post("/presence", data={"presence": "online", "csrf_token": token, "next": "/?view=teams"})
        assert (back.status_code, back.headers["location"]) == (303, "/?view=teams")
    chen = await agent_row(ctx, world.people["chen"])
    assert chen.presence == "online" and chen.last_seen_at is not None


async def test_a_marketer_has_no_presence_to_set(ctx: JobContext) -> None:
    world = await build_world(ctx)
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, world.emails["mia"])
        token = await page_token(client, "/login")
        assert (await client.post("/presence", data={"presence": "online", "csrf_token": token})).status_code == 403


async def test_the_timeline_gives_what_came_after_and_only_within_reach(ctx: JobContext) -> None:
    world = await build_world(ctx)
    conversation = world.conversations["chen_own"]
    first = await do_reply(ctx.store, conversation_id=conversation, agent_id=None, text="First answer")
    second = await do_reply(ctx.store, conversation_id=conversation, agent_id=None, text="<b>Second</b> answer")
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, world.emails["chen"])
        answer = (await client.get(f"/conversations/{conversation}/timeline?after={first.message_id}")).json()
        assert f'id="message-{second.message_id}"' in answer["html"]
        assert f'id="message-{first.message_id}"' not in answer["html"]
        assert "&lt;b&gt;Second&lt;/b&gt; answer" in answer["html"]
        assert (answer["last_id"], answer["status"]) == (second.message_id, "open")
        again = (
            await client.get(
                f"/conversations/{conversation}/timeline?after={second.message_id}&refresh={first.message_id}"
            )
        ).json()
        assert f'id="message-{first.message_id}"' in again["html"]
        hidden = world.conversations["billing_own"]
        assert (await client.get(f"/conversations/{hidden}/timeline?after=0")).status_code == 404
        assert (await client.get(f"/conversations/{conversation}/timeline?after=x")).status_code == 400

from __future__ import annotations

from sqlalchemy import select

from inbox.actions.api_tokens import do_issue_api_token
from inbox.actions.note import do_add_note
from inbox.models import Notification
from tests.support.web import build_app, build_world, client_for, page_token, sign_in
from workers.context import JobContext


async def test_a_note_from_the_api_notifies_too_and_each_person_reads_only_their_own(ctx: JobContext) -> None:
    world = await build_world(ctx)
    conversation_id = world.conversations["chen_own"]
    token = (await do_issue_api_token(ctx.store, agent_id=world.people["chen"], name="t", actor_agent_id=None)).token
    async with client_for(build_app(ctx)) as client:
        noted = await client.post(
            f"/api/v1/conversations/{conversation_id}/reply",
            json={"text": "@olivia have a look", "note": True},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert noted.status_code == 201 and noted.json()["notified"] == ["Olivia"] and noted.json()["queued"] is False
    await do_add_note(ctx.store, conversation_id=conversation_id, agent_id=world.people["marcus"], text="@olivia again")
    async with ctx.store.read() as session:
        ids = [n.id for n in (await session.execute(select(Notification).order_by(Notification.id))).scalars()]
    async with client_for(build_app(ctx)) as chen:
        await sign_in(chen, world.emails["chen"])
        csrf = await page_token(chen, "/notifications")
        # Marking someone else's notification read changes nothing.
        await chen.post("/notifications/read", data={"csrf_token": csrf, "id": str(ids[0])})
        assert "Nothing yet" in (await chen.get("/notifications")).text
    async with client_for(build_app(ctx)) as olivia:
        await sign_in(olivia, world.emails["olivia"])
        assert (await olivia.get("/notifications/unread")).json() == {"unread": 2}
        listing = await olivia.get("/notifications")
        assert "Chen mentioned you" in listing.text and "Marcus mentioned you" in listing.text
        csrf = await page_token(olivia, "/notifications")
        done = await olivia.post("/notifications/read", data={"csrf_token": csrf})
        assert done.headers["location"] == "/notifications"
        assert (await olivia.get("/notifications/unread")).json() == {"unread": 0}

"""The supervisor's page: for supervisors and admins only, drawn with inline charts, and its retry button."""

from __future__ import annotations

from sqlalchemy import select

from inbox.actions.reply import do_reply
from inbox.models import DeadLetter, OutboxJob
from tests.support.web import build_app, build_world, client_for, page_token, sign_in
from workers.context import JobContext


async def test_only_supervisors_and_admins_open_it(ctx: JobContext) -> None:
    world = await build_world(ctx)
    app = build_app(ctx)
    for name, status in (("chen", 403), ("mia", 403), ("olivia", 200), ("root", 200)):
        async with client_for(app) as client:
            await sign_in(client, world.emails[name])
            page = await client.get("/supervisor")
            assert page.status_code == status, name
            if status == 200:
                assert "<svg" in page.text and "Front desk" in page.text
                assert "<script" not in page.text.split("</head>", 1)[1]
    async with client_for(app) as client:
        await sign_in(client, world.emails["sofia"])
        page = await client.get("/supervisor")
        assert "Billing" in page.text and "Front desk" not in page.text


async def test_a_failed_reply_can_be_retried_by_its_supervisor_only(ctx: JobContext) -> None:
    world = await build_world(ctx)
    reply = await do_reply(ctx.store, conversation_id=world.conversations["chen_own"], agent_id=None, text="Hello")
    async with ctx.store.write() as session:
        letter = DeadLetter(
            job="send",
            key=f"send:{reply.message_id}",
            payload={"message_id": reply.message_id},
            error="550 User unknown",
        )
        session.add(letter)
        await session.flush()
        letter_id = letter.id
    app = build_app(ctx)
    async with client_for(app) as client:
        await sign_in(client, world.emails["sofia"])
        token = await page_token(client, "/supervisor")
        refused = await client.post(f"/supervisor/failed-jobs/{letter_id}/retry", data={"csrf_token": token})
        assert refused.status_code == 404
    async with client_for(app) as client:
        await sign_in(client, world.emails["olivia"])
        page = await client.get("/supervisor")
        assert "550 User unknown" in page.text
        token = await page_token(client, "/supervisor")
        forged = await client.post(f"/supervisor/failed-jobs/{letter_id}/retry", data={})
        assert forged.status_code == 403
        done = await client.post(f"/supervisor/failed-jobs/{letter_id}/retry", data={"csrf_token": token})
        assert done.status_code == 303
    async with ctx.store.read() as session:
        retried = await session.get(DeadLetter, letter_id)
        assert retried is not None and retried.retried_at is not None
        keys = (await session.execute(select(OutboxJob.key))).scalars().all()
    assert f"send:{reply.message_id}#retry{letter_id}" in keys

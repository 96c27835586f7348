from __future__ import annotations

import re

from sqlalchemy import select

from channels.base import ChannelName
from inbox.actions.canned_response import CannedDraft, do_save_canned_response
from inbox.models import CannedResponse, Message
from tests.support.jobs import JobDriver
from tests.support.recording_channel import RecordingChannel
from tests.support.web import build_app, build_world, client_for, page_token, sign_in
from workers.context import JobContext


async def test_supervisors_manage_canned_responses_and_agents_may_not(ctx: JobContext) -> None:
    world = await build_world(ctx)
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, world.emails["chen"])
        assert (await client.get("/canned-responses")).status_code == 403
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, world.emails["olivia"])
        token = await page_token(client, "/canned-responses")
        created = await client.post(
            "/canned-responses",
            data={"csrf_token": token, "shortcut": "hello", "title": "Hello", "body": "Hi {{ customer.first_name }}"},
        )
        assert created.status_code == 303
        broken = await client.post(
            "/canned-responses",
            data={"csrf_token": token, "shortcut": "broken", "title": "Broken", "body": "Hi {{ customer.name "},
        )
        assert broken.status_code == 422 and "does not parse" in broken.text
        listing = await client.get("/canned-responses")
        assert "hello" in listing.text
        canned_id = re.search(r'href="/canned-responses/(\d+)"', listing.text).group(1)  # type: ignore[union-attr]
        edited = await client.post(
            f"/canned-responses/{canned_id}",
            data={"csrf_token": token, "shortcut": "hello", "title": "Hello again", "body": "Hello!"},
        )
        assert edited.status_code == 303
    async with ctx.store.read() as session:
        rows = (await session.execute(select(CannedResponse))).scalars().all()
    assert [(r.shortcut, r.title, r.body) for r in rows] == [("hello", "Hello again", "Hello!")]


async def test_inserting_renders_for_the_customer_and_a_sandbox_violation_is_refused_never_sent(
    ctx: JobContext, jobs: JobDriver
) -> None:
    world = await build_world(ctx)
    root = world.people["root"]
    good = await do_save_canned_response(
        ctx.store,
        CannedDraft("thanks", "Thanks", "Thank you, {{ customer.first_name }}. {{ conversation.reference }}", None),
        actor_agent_id=root,
    )
    evil = await do_save_canned_response(
        ctx.store,
        CannedDraft("evil", "Evil", "{{ customer.__class__.__mro__[1].__subclasses__() }}", None),
        actor_agent_id=root,
    )
    billing_only = await do_save_canned_response(
        ctx.store, CannedDraft("billing", "Billing", "Billing here.", world.teams["Billing"]), actor_agent_id=root
    )
    conversation_id = world.conversations["chen_own"]
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, world.emails["chen"])
        page = await client.get(f"/conversations/{conversation_id}")
        assert "thanks — Thanks" in page.text and "billing — Billing" not in page.text
        inserted = await client.get(f"/conversations/{conversation_id}/canned/{good}")
        assert inserted.json() == {"text": f"Thank you, Chen. [#{conversation_id}]"}
        refused = await client.get(f"/conversations/{conversation_id}/canned/{evil}")
        assert refused.status_code == 422 and "not allowed in a template" in refused.json()["detail"]
        assert "text" not in refused.json()
        # Without script, the insert button reloads the page with the text (or the problem) in the composer.
        fallback = await client.get(f"/conversations/{conversation_id}?canned={evil}")
        assert "cannot be used for this customer" in fallback.text
        assert "subclasses" not in fallback.text.split("data-composer-text>")[1].split("</textarea>")[0]
        prefilled = await client.get(f"/conversations/{conversation_id}?canned={good}")
        assert f"Thank you, Chen. [#{conversation_id}]</textarea>" in prefilled.text
        assert (await client.get(f"/conversations/{conversation_id}/canned/{billing_only}")).status_code == 404
        other_team = world.conversations["billing_own"]
        assert (await client.get(f"/conversations/{other_team}/canned/{good}")).status_code == 404
    await jobs.drain()
    email = ctx.channels.get(ChannelName.EMAIL)
    assert isinstance(email, RecordingChannel) and email.sent == []
    async with ctx.store.read() as session:
        outbound = (await session.execute(select(Message).where(Message.direction == "outbound"))).scalars().all()
    assert outbound == []

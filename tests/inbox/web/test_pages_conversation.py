from __future__ import annotations

import html
import re

from sqlalchemy import select

from channels.base import ChannelName, Identity, IdentityKind
from inbox.models import Conversation, Event, Message
from tests.support.factories import inbound, ingest
from tests.support.jobs import JobDriver
from tests.support.recording_channel import RecordingChannel
from tests.support.web import build_app, build_world, client_for, page_token, sign_in
from workers.context import JobContext


async def _events(ctx: JobContext, kind: str) -> list[Event]:
    async with ctx.store.read() as session:
        return list((await session.execute(select(Event).where(Event.kind == kind).order_by(Event.id))).scalars())


async def test_the_page_shows_the_timeline_and_the_customer_and_audits_the_read(ctx: JobContext) -> None:
    world = await build_world(ctx)
    conversation_id = world.conversations["chen_own"]
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, world.emails["chen"])
        page = await client.get(f"/conversations/{conversation_id}")
    assert page.status_code == 200
    assert "Please move my booking." in page.text
    assert "chen_own@example.com" in page.text and "gold" in page.text
    # The default reply channel and why it was picked.
    assert re.search(r'<option value="email"\s+selected', page.text)
    assert "the channel the customer last wrote on" in page.text
    reads = await _events(ctx, "contact.viewed")
    assert [(e.actor_agent_id, e.contact_id, e.conversation_id) for e in reads] == [
        (world.people["chen"], world.contacts["chen_own"], conversation_id)
    ]


async def test_a_conversation_out_of_reach_is_not_found(ctx: JobContext) -> None:
    world = await build_world(ctx)
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, world.emails["chen"])
        for key in ("marcus_own", "billing_own", "billing_queue"):
            response = await client.get(f"/conversations/{world.conversations[key]}")
            assert response.status_code == 404, key
            assert "About" not in response.text
        assert (await client.get("/conversations/999999")).status_code == 404
        assert (await client.get("/conversations/abc")).status_code == 404
        token = await page_token(client)
        reply = await client.post(
            f"/conversations/{world.conversations['billing_own']}/reply", data={"csrf_token": token, "text": "hi"}
        )
        assert reply.status_code == 404
    assert await _events(ctx, "contact.viewed") == []


async def test_a_marketer_cannot_read_a_conversation(ctx: JobContext) -> None:
    world = await build_world(ctx)
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, world.emails["mia"])
        assert (await client.get(f"/conversations/{world.conversations['shared_queue']}")).status_code == 404


async def test_a_script_carrying_email_is_framed_inert(ctx: JobContext) -> None:
    world = await build_world(ctx)
    sender = Identity(IdentityKind.EMAIL, "chen_own@example.com")
    hostile = '<p>Hi</p><script>alert("x")</script><img src="https://tracker.example/p.gif">'
    await ingest(
        ctx,
        inbound(ChannelName.EMAIL, external_id="hostile@example.com", sender=sender, html=hostile, text="Hi"),
    )
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, world.emails["root"])
        page = await client.get(f"/conversations/{world.conversations['chen_own']}")
    frames = re.findall(r"<iframe([^>]*)></iframe>", page.text)
    assert frames, "email HTML is shown in a frame"
    for attributes in frames:
        assert re.search(r"\ssandbox(\s|$)", attributes), "no sandbox permissions at all: scripts never run"
        srcdoc = html.unescape(re.search(r'srcdoc="([^"]*)"', attributes).group(1))  # type: ignore[union-attr]
        assert "default-src 'none'" in srcdoc
    assert "<script>" not in page.text.replace('<script src="/static/hub.js" defer></script>', "")


async def test_a_reply_goes_out_on_the_customers_channel(ctx: JobContext, jobs: JobDriver) -> None:
    world = await build_world(ctx)
    conversation_id = world.conversations["chen_own"]
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, world.emails["chen"])
        token = await page_token(client, f"/conversations/{conversation_id}")
        sent = await client.post(
            f"/conversations/{conversation_id}/reply", data={"csrf_token": token, "text": "Moved to Tuesday."}
        )
        assert sent.status_code == 303
        noted = await client.post(
            f"/conversations/{conversation_id}/reply",
            data={"csrf_token": token, "text": "Customer sounded upset.", "note": "on"},
        )
        assert noted.status_code == 303
        await jobs.drain()
        page = await client.get(f"/conversations/{conversation_id}")
    assert "Moved to Tuesday." in page.text and "Customer sounded upset." in page.text
    email = ctx.channels.get(ChannelName.EMAIL)
    assert isinstance(email, RecordingChannel)
    assert [m.text for m in email.sent] == ["Moved to Tuesday."]
    async with ctx.store.read() as session:
        note = (await session.execute(select(Message).where(Message.kind == "note"))).scalar_one()
    assert note.direction == "internal" and note.sender_agent_id == world.people["chen"]


async def test_a_refused_reply_explains_why(ctx: JobContext) -> None:
    world = await build_world(ctx)
    conversation_id = world.conversations["chen_own"]
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, world.emails["chen"])
        token = await page_token(client, f"/conversations/{conversation_id}")
        response = await client.post(
            f"/conversations/{conversation_id}/reply", data={"csrf_token": token, "text": "hi", "channel": "sms"}
        )
    assert response.status_code == 422
    assert "no phone identity" in response.text


async def test_status_and_assignment_changes_are_audited(ctx: JobContext) -> None:
    world = await build_world(ctx)
    conversation_id = world.conversations["front_queue"]
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, world.emails["chen"])
        token = await page_token(client, f"/conversations/{conversation_id}")
        taken = await client.post(
            f"/conversations/{conversation_id}/assign",
            data={"csrf_token": token, "agent_id": str(world.people["chen"])},
        )
        assert taken.headers["location"] == f"/conversations/{conversation_id}"
        resolved = await client.post(
            f"/conversations/{conversation_id}/status", data={"csrf_token": token, "status": "resolved"}
        )
        assert resolved.status_code == 303
        snooze = await client.post(
            f"/conversations/{conversation_id}/status",
            data={"csrf_token": token, "status": "snoozed", "snoozed_until": "2001-01-01T09:00"},
        )
        assert snooze.status_code == 422 and "in the future" in snooze.text
        # Handing it to the other team takes it out of Chen's reach: back to the inbox.
        handed = await client.post(
            f"/conversations/{conversation_id}/assign",
            data={"csrf_token": token, "agent_id": str(world.people["zhao"])},
        )
        assert handed.headers["location"] == "/"
        assert (await client.get(f"/conversations/{conversation_id}")).status_code == 404
    async with ctx.store.read() as session:
        conversation = await session.get(Conversation, conversation_id)
    assert conversation is not None
    assert conversation.status == "resolved" and conversation.assignee_id == world.people["zhao"]
    assert conversation.team_id == world.teams["Billing"]
    assigned = await _events(ctx, "conversation.assigned")
    assert [e.data["after"]["agent_id"] for e in assigned] == [world.people["chen"], world.people["zhao"]]
    assert [e.data["after"] for e in await _events(ctx, "conversation.status_changed")] == ["resolved"]

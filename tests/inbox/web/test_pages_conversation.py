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


async def test_a_note_with_mentions_is_never_sent_and_notifies_who_can_see_it(ctx: JobContext, jobs: JobDriver) -> None:
    world = await build_world(ctx)
    conversation_id = world.conversations["chen_own"]
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, world.emails["chen"])
        token = await page_token(client, f"/conversations/{conversation_id}")
        noted = await client.post(
            f"/conversations/{conversation_id}/reply",
            data={"csrf_token": token, "text": "@olivia @zhao refund approved?", "note": "on", "channel": "email"},
        )
        assert noted.status_code == 303
        page = await client.get(noted.headers["location"])
        assert "Not notified: @zhao: Zhao cannot see this conversation" in page.text
        await jobs.drain()
    email = ctx.channels.get(ChannelName.EMAIL)
    assert isinstance(email, RecordingChannel) and email.sent == []
    async with client_for(build_app(ctx)) as olivia:
        await sign_in(olivia, world.emails["olivia"])
        assert (await olivia.get("/notifications/unread")).json() == {"unread": 1}
        listing = await olivia.get("/notifications")
        assert "Chen mentioned you in a note" in listing.text
        token = await page_token(olivia, "/notifications")
        opened = await olivia.post(
            "/notifications/read",
            data={
                "csrf_token": token,
                "id": re.search(r'name="id" value="(\d+)"', listing.text).group(1),
                "open": str(conversation_id),
            },  # type: ignore[union-attr]
        )
        assert opened.headers["location"] == f"/conversations/{conversation_id}"
        assert (await olivia.get("/notifications/unread")).json() == {"unread": 0}
    async with client_for(build_app(ctx)) as zhao:
        await sign_in(zhao, world.emails["zhao"])
        assert (await zhao.get("/notifications/unread")).json() == {"unread": 0}


async def test_an_emailed_reply_takes_cc_and_files_within_the_limits(ctx: JobContext, jobs: JobDriver) -> None:
    world = await build_world(ctx)
    conversation_id = world.conversations["chen_own"]
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, world.emails["chen"])
        token = await page_token(client, f"/conversations/{conversation_id}")
        sent = await client.post(
            f"/conversations/{conversation_id}/reply",
            data={
                "csrf_token": token,
                "text": "Invoice attached.",
                "channel": "email",
                "cc": "Boss <boss@example.com>",
            },
            files=[("files", ("invoice.pdf", b"%PDF-1.4 invoice", "application/pdf"))],
        )
        assert sent.status_code == 303
        too_big = await client.post(
            f"/conversations/{conversation_id}/reply",
            data={"csrf_token": token, "text": "Huge file.", "channel": "email"},
            files=[("files", ("big.bin", b"x" * (ctx.settings.collaboration.max_attachment_bytes + 1), "x/y"))],
        )
        assert too_big.status_code == 422 and "big.bin is larger than" in too_big.text
        assert "Huge file." in too_big.text  # the draft is kept for another try
        await jobs.drain()
        page = await client.get(f"/conversations/{conversation_id}")
    assert "invoice.pdf" in page.text
    email = ctx.channels.get(ChannelName.EMAIL)
    assert isinstance(email, RecordingChannel)
    assert [(m.text, m.cc, [(a.filename, a.data) for a in m.attachments]) for m in email.sent] == [
        ("Invoice attached.", ("boss@example.com",), [("invoice.pdf", b"%PDF-1.4 invoice")])
    ]


async def test_labels_are_added_and_removed_as_chips(ctx: JobContext) -> None:
    world = await build_world(ctx)
    conversation_id = world.conversations["chen_own"]
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, world.emails["chen"])
        token = await page_token(client, f"/conversations/{conversation_id}")
        for label in ("vip", "late checkout"):
            added = await client.post(
                f"/conversations/{conversation_id}/labels", data={"csrf_token": token, "action": "add", "label": label}
            )
            assert added.status_code == 303
        removed = await client.post(
            f"/conversations/{conversation_id}/labels", data={"csrf_token": token, "action": "remove", "label": "vip"}
        )
        assert removed.status_code == 303
        bad = await client.post(
            f"/conversations/{conversation_id}/labels", data={"csrf_token": token, "action": "add", "label": "a,b"}
        )
        assert bad.status_code == 422
        page = await client.get(f"/conversations/{conversation_id}")
        other = await client.post(
            f"/conversations/{world.conversations['billing_own']}/labels",
            data={"csrf_token": token, "action": "add", "label": "x"},
        )
        assert other.status_code == 404
    assert '<span class="label">late checkout</span>' in page.text and '<span class="label">vip</span>' not in page.text
    async with ctx.store.read() as session:
        conversation = await session.get(Conversation, conversation_id)
    assert conversation is not None and conversation.labels == ["late checkout"]


async def test_the_page_says_why_the_conversation_is_where_it_is(ctx: JobContext) -> None:
    world = await build_world(ctx)
    conversation_id = world.conversations["front_queue"]
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, world.emails["olivia"])
        token = await page_token(client, f"/conversations/{conversation_id}")
        await client.post(
            f"/conversations/{conversation_id}/assign",
            data={"csrf_token": token, "agent_id": str(world.people["marcus"]), "note": "speaks Cantonese"},
        )
        page = await client.get(f"/conversations/{conversation_id}")
    assert "Why it is here" in page.text
    assert "Olivia gave it to Marcus (Front desk): speaks Cantonese" in page.text


async def test_a_snoozed_conversation_wakes_up_by_itself(ctx: JobContext, jobs: JobDriver) -> None:
    from datetime import timedelta

    from inbox.models import utcnow
    from workers.schedule import enqueue_due, periodic_jobs

    world = await build_world(ctx)
    conversation_id = world.conversations["chen_own"]
    until = (utcnow() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, world.emails["chen"])
        token = await page_token(client, f"/conversations/{conversation_id}")
        snoozed = await client.post(
            f"/conversations/{conversation_id}/status",
            data={"csrf_token": token, "status": "snoozed", "snoozed_until": until},
        )
        assert snoozed.status_code == 303
        assert "snoozed until" in (await client.get(f"/conversations/{conversation_id}")).text
    async with ctx.store.write() as session:
        row = await session.get(Conversation, conversation_id)
        assert row is not None and row.status == "snoozed"
        row.snoozed_until = utcnow() - timedelta(seconds=1)
    await enqueue_due(ctx.store, [job for job in periodic_jobs(ctx.settings) if job.job == "wake_snoozed"])
    await jobs.drain()
    async with ctx.store.read() as session:
        woken = await session.get(Conversation, conversation_id)
    assert woken is not None and (woken.status, woken.snoozed_until) == ("open", None)


async def test_a_quick_snooze_choice_sets_the_time(ctx: JobContext) -> None:
    world = await build_world(ctx)
    conversation_id = world.conversations["chen_own"]
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, world.emails["chen"])
        token = await page_token(client, f"/conversations/{conversation_id}")
        snoozed = await client.post(
            f"/conversations/{conversation_id}/status",
            data={"csrf_token": token, "status": "snoozed", "snooze_for": "tomorrow"},
        )
        assert snoozed.status_code == 303
        bad = await client.post(
            f"/conversations/{conversation_id}/status",
            data={"csrf_token": token, "status": "snoozed", "snooze_for": "forever"},
        )
        assert bad.status_code == 400
    async with ctx.store.read() as session:
        conversation = await session.get(Conversation, conversation_id)
    assert conversation is not None and conversation.status == "snoozed"
    assert conversation.snoozed_until is not None and conversation.snoozed_until.strftime("%H:%M") == "09:00"

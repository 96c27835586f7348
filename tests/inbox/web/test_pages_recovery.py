from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from channels.base import ChannelName
from inbox.actions.status import do_set_status
from inbox.models import ComplaintCase, Conversation, Event, FollowUp, RemedyGiven, RepeatContact, utcnow
from tests.support.factories import inbound, ingest
from tests.support.web import build_app, build_world, client_for, page_token, sign_in
from workers.context import JobContext


async def test_an_agent_picks_a_remedy_from_the_menu_and_it_is_recorded_and_audited(ctx: JobContext) -> None:
    world = await build_world(ctx)
    conversation_id = world.conversations["chen_own"]
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, world.emails["chen"])
        page = await client.get(f"/conversations/{conversation_id}")
        assert '<option value="discount voucher">' in page.text
        token = await page_token(client, f"/conversations/{conversation_id}")
        given = await client.post(
            f"/conversations/{conversation_id}/remedies",
            data={"csrf_token": token, "remedy": "discount voucher", "note": "20% off next stay, code SORRY20"},
        )
        assert given.status_code == 303
        off_menu = await client.post(
            f"/conversations/{conversation_id}/remedies", data={"csrf_token": token, "remedy": "free car"}
        )
        assert off_menu.status_code == 422 and "choose a remedy from the menu" in off_menu.text
        shown = await client.get(f"/conversations/{conversation_id}")
        assert "discount voucher</strong> by Chen" in shown.text and "SORRY20" in shown.text
        out_of_reach = await client.post(
            f"/conversations/{world.conversations['billing_own']}/remedies",
            data={"csrf_token": token, "remedy": "apology"},
        )
        assert out_of_reach.status_code == 404
    async with ctx.store.read() as session:
        remedies = (await session.execute(select(RemedyGiven))).scalars().all()
        audit = (await session.execute(select(Event).where(Event.kind == "remedy.given"))).scalar_one()
    assert [(r.remedy, r.agent_id, r.conversation_id) for r in remedies] == [
        ("discount voucher", world.people["chen"], conversation_id)
    ]
    assert audit.actor_agent_id == world.people["chen"] and audit.data["note"] == "20% off next stay, code SORRY20"


async def test_a_repeat_contact_is_detected_on_arrival_and_an_agent_can_record_one(ctx: JobContext) -> None:
    first = await ingest(ctx, inbound(text="I want a refund for the broken heater", external_id="c1@example.com"))
    await do_set_status(ctx.store, conversation_id=first.conversation_id, status="resolved", actor_agent_id=None)
    second = await ingest(
        ctx, inbound(text="Still no money back", external_id="c2@example.com", subject="Another matter")
    )
    assert second.conversation_id != first.conversation_id
    async with ctx.store.read() as session:
        detected = (await session.execute(select(RepeatContact))).scalar_one()
    assert (detected.conversation_id, detected.original_conversation_id) == (
        second.conversation_id,
        first.conversation_id,
    )
    assert detected.source == "detected" and "soon after complaint" in detected.reason
    world = await build_world(ctx)
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, world.emails["root"])
        token = await page_token(client, f"/conversations/{second.conversation_id}")
        recorded = await client.post(
            f"/conversations/{second.conversation_id}/repeat-contact",
            data={
                "csrf_token": token,
                "original_conversation_id": str(first.conversation_id),
                "reason": "refund promised on the first call never arrived",
            },
        )
        assert recorded.status_code == 303
        page = await client.get(f"/conversations/{second.conversation_id}")
        assert "refund promised on the first call never arrived" in page.text
        itself = await client.post(
            f"/conversations/{second.conversation_id}/repeat-contact",
            data={"csrf_token": token, "original_conversation_id": str(second.conversation_id), "reason": "x"},
        )
        assert itself.status_code == 422
    async with ctx.store.read() as session:
        (record,) = (await session.execute(select(RepeatContact))).scalars().all()
    assert record.source == "agent" and record.agent_id == world.people["root"]


async def test_a_reopened_complaint_counts_as_a_repeat_and_restarts_recovery(ctx: JobContext) -> None:
    first = await ingest(ctx, inbound(ChannelName.SMS, "SM1", text="This is a formal complaint"))
    await do_set_status(ctx.store, conversation_id=first.conversation_id, status="resolved", actor_agent_id=None)
    again = await ingest(ctx, inbound(ChannelName.SMS, "SM2", text="Your fix did not work, the complaint stands"))
    assert again.conversation_id == first.conversation_id
    async with ctx.store.read() as session:
        repeats = (await session.execute(select(RepeatContact))).scalars().all()
        case = (await session.execute(select(ComplaintCase))).scalar_one()
    assert [(r.conversation_id, r.original_conversation_id, r.message_id) for r in repeats] == [
        (first.conversation_id, first.conversation_id, again.message_id)
    ]
    assert repeats[0].reason == "the customer wrote again after the complaint was resolved"
    assert case.recovered_at is None and case.message_id == again.message_id
    assert case.recovery_due_at > utcnow() + timedelta(hours=ctx.settings.recovery.recovery_sla_hours - 1)


async def test_breached_recovery_slas_are_listed_and_filterable(ctx: JobContext) -> None:
    world = await build_world(ctx)
    late = await ingest(ctx, inbound(text="退款！", external_id="late@example.com"))
    fresh = await ingest(ctx, inbound(text="I will call my lawyer", external_id="fresh@example.com", sender=None))
    async with ctx.store.write() as session:
        case = (
            await session.execute(select(ComplaintCase).where(ComplaintCase.conversation_id == late.conversation_id))
        ).scalar_one()
        # As if the deadline had passed two hours ago: the case's and its conversation's clocks move together.
        conversation = await session.get(Conversation, late.conversation_id)
        assert conversation is not None and conversation.resolution_due_at == case.recovery_due_at
        case.recovery_due_at = conversation.resolution_due_at = utcnow() - timedelta(hours=2)
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, world.emails["root"])
        inbox = await client.get("/?view=all&complaint=yes&sla=breached")
        everything = await client.get("/complaints")
        breached = await client.get("/complaints?breached=yes")
        page = await client.get(f"/conversations/{late.conversation_id}")
        await sign_in(client, world.emails["mia"])
        marketer = await client.get("/complaints")
    assert f"/conversations/{late.conversation_id}" in everything.text
    assert everything.text.count("<tr class=") == 2 and fresh.conversation_id
    assert f"/conversations/{late.conversation_id}" in breached.text
    assert breached.text.count("<tr class=") == 1 and "breached" in breached.text
    assert "recovery SLA breached" in page.text
    assert f"/conversations/{late.conversation_id}" in inbox.text
    assert f"/conversations/{fresh.conversation_id}" not in inbox.text
    assert marketer.status_code == 403


async def test_resolving_a_complaint_books_a_follow_up_for_the_resolving_agent(ctx: JobContext) -> None:
    world = await build_world(ctx)
    complaint = await ingest(ctx, inbound(text="我要投诉", external_id="zh@example.com"))
    await do_set_status(
        ctx.store, conversation_id=complaint.conversation_id, status="resolved", actor_agent_id=world.people["chen"]
    )
    plain = world.conversations["chen_own"]
    await do_set_status(ctx.store, conversation_id=plain, status="resolved", actor_agent_id=world.people["chen"])
    async with ctx.store.read() as session:
        (follow_up,) = (await session.execute(select(FollowUp))).scalars().all()
        case = (await session.execute(select(ComplaintCase))).scalar_one()
    assert follow_up.conversation_id == complaint.conversation_id and follow_up.agent_id == world.people["chen"]
    expected = timedelta(days=ctx.settings.recovery.follow_up_days)
    assert abs((follow_up.due_at - follow_up.created_at) - expected) < timedelta(seconds=1)
    assert case.recovered_at is not None


async def test_an_agent_flags_a_complaint_that_detection_missed(ctx: JobContext) -> None:
    world = await build_world(ctx)
    conversation_id = world.conversations["chen_own"]
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, world.emails["chen"])
        token = await page_token(client, f"/conversations/{conversation_id}")
        flagged = await client.post(
            f"/conversations/{conversation_id}/complaint",
            data={"csrf_token": token, "reason": "very unhappy about the noisy room, said so on the phone"},
        )
        again = await client.post(
            f"/conversations/{conversation_id}/complaint", data={"csrf_token": token, "reason": "again"}
        )
        page = await client.get(f"/conversations/{conversation_id}")
    assert flagged.status_code == 303
    assert again.status_code == 422 and "already an open complaint" in again.text
    assert "flagged by an agent" in page.text and "Flag as complaint" not in page.text
    async with ctx.store.read() as session:
        case = (await session.execute(select(ComplaintCase))).scalar_one()
        event = (await session.execute(select(Event).where(Event.kind == "complaint.flagged"))).scalar_one()
    assert case.conversation_id == conversation_id and case.recovered_at is None
    assert event.actor_agent_id == world.people["chen"] and "noisy room" in event.data["reason"]

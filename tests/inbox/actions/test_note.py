from __future__ import annotations

import pytest
from sqlalchemy import func, select

from channels.base import ChannelName
from channels.registry import ChannelRegistry
from inbox.actions.mention import do_mark_notifications_read
from inbox.actions.note import NoteRefused, do_add_note
from inbox.models import Event, Message, Notification, OutboxJob
from inbox.notifications import recent, unread_count
from tests.support.jobs import JobDriver
from tests.support.recording_channel import RecordingChannel
from tests.support.web import build_world
from workers.context import JobContext
from workers.jobs import send


async def _send_jobs(ctx: JobContext) -> int:
    async with ctx.store.read() as session:
        found = await session.execute(select(func.count()).select_from(OutboxJob).where(OutboxJob.job == "send"))
        return int(found.scalar_one())


async def test_a_note_creates_no_send_job_and_never_reaches_any_channel(
    ctx: JobContext, jobs: JobDriver, channels: ChannelRegistry
) -> None:
    world = await build_world(ctx)
    conversation_id = world.conversations["chen_own"]
    await jobs.drain()
    before = await _send_jobs(ctx)
    outcome = await do_add_note(
        ctx.store, conversation_id=conversation_id, agent_id=world.people["chen"], text="Customer is a VIP, be kind"
    )
    assert await _send_jobs(ctx) == before
    await jobs.drain()
    # Even a send job aimed at the note by mistake finds nothing to send.
    await send.run(ctx, {"message_id": outcome.message_id})
    for name in ChannelName:
        adapter = channels.get(name.value)
        assert isinstance(adapter, RecordingChannel)
        assert all(sent.message_id != outcome.message_id for sent in adapter.sent), name
        assert all("VIP" not in sent.text for sent in adapter.sent), name
    async with ctx.store.read() as session:
        note = await session.get(Message, outcome.message_id)
        assert note is not None
        assert (note.direction, note.kind, note.delivery_status, note.external_id) == (
            "internal",
            "note",
            "internal",
            None,
        )


async def test_mentions_notify_each_colleague_who_can_see_the_conversation_once(ctx: JobContext) -> None:
    world = await build_world(ctx)
    conversation_id = world.conversations["chen_own"]
    outcome = await do_add_note(
        ctx.store,
        conversation_id=conversation_id,
        agent_id=world.people["chen"],
        text="@olivia please check, and @Olivia again; @zhao too. Mail x@marcus.example is not a mention. @nobody",
    )
    # Olivia supervises Front desk and sees it; Zhao is in Billing and cannot; "@nobody" names no one.
    assert outcome.notified == ("Olivia",)
    assert any("Zhao cannot see" in reason for reason in outcome.not_notified)
    assert any("@nobody" in reason for reason in outcome.not_notified)
    async with ctx.store.read() as session:
        rows = (await session.execute(select(Notification))).scalars().all()
        assert [(n.agent_id, n.conversation_id, n.message_id, n.kind) for n in rows] == [
            (world.people["olivia"], conversation_id, outcome.message_id, "mention")
        ]
        assert "Chen mentioned you" in rows[0].summary
        assert await unread_count(session, world.people["olivia"]) == 1
        assert await unread_count(session, world.people["zhao"]) == 0
        audit = (await session.execute(select(Event).where(Event.kind == "note.added"))).scalar_one()
        assert audit.data["mentioned"] == ["Olivia"] and audit.contact_id == world.contacts["chen_own"]
    # Someone else cannot mark Olivia's notification read; she can.
    assert await do_mark_notifications_read(ctx.store, world.people["chen"], [rows[0].id]) == 0
    assert await do_mark_notifications_read(ctx.store, world.people["olivia"], None) == 1
    async with ctx.store.read() as session:
        assert await unread_count(session, world.people["olivia"]) == 0
        assert [n.id for n in await recent(session, world.people["olivia"])] == [rows[0].id]


async def test_an_empty_note_is_refused(ctx: JobContext) -> None:
    world = await build_world(ctx)
    with pytest.raises(NoteRefused):
        await do_add_note(ctx.store, conversation_id=world.conversations["chen_own"], agent_id=None, text="  ")

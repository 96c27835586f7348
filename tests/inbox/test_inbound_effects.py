from __future__ import annotations

import pytest
from sqlalchemy import select

from channels.base import ChannelName, MessageKind, ThreadHints
from inbox.actions.reply import ReplyRefused, do_reply
from inbox.models import Contact, Event, Message, OutboxJob
from tests.support.factories import inbound, ingest
from workers.context import JobContext


async def test_stop_revokes_sms_consent_and_a_reply_is_refused_with_the_reason(ctx: JobContext) -> None:
    first = await ingest(ctx, inbound(ChannelName.SMS, "SM1", text="Where is my booking?"))
    await ingest(ctx, inbound(ChannelName.SMS, "SM2", text="STOP", metadata={"consent": "opt_out"}))
    async with ctx.store.read() as session:
        contact = await session.get(Contact, first.contact_id)
        event = (await session.execute(select(Event).where(Event.kind == "consent.changed"))).scalar_one()
    assert contact is not None and contact.consent == {"sms": False}
    assert event.data == {"channel": "sms", "consent": False, "source": "customer keyword"}
    with pytest.raises(ReplyRefused, match="opted out of SMS"):
        await do_reply(ctx.store, conversation_id=first.conversation_id, agent_id=None, text="Hello?")
    await ingest(ctx, inbound(ChannelName.SMS, "SM3", text="START", metadata={"consent": "opt_in"}))
    async with ctx.store.read() as session:
        contact = await session.get(Contact, first.contact_id)
    assert contact is not None and contact.consent == {"sms": True}
    outcome = await do_reply(ctx.store, conversation_id=first.conversation_id, agent_id=None, text="Welcome back")
    assert outcome.channel == "sms"


async def test_the_two_voicemail_callbacks_make_one_message_routed_once(ctx: JobContext) -> None:
    call = ThreadHints(session_key="call:CA1")
    recording = inbound(
        ChannelName.PHONE,
        "voicemail:RE1",
        kind=MessageKind.VOICEMAIL,
        text="",
        thread=call,
        metadata={"voicemail_part": "recording", "recording_url": "https://api.twilio.com/rec/RE1"},
    )
    transcription = inbound(
        ChannelName.PHONE,
        "voicemail:RE1",
        kind=MessageKind.VOICEMAIL,
        text="Hi, please call me back about my refund.",
        thread=call,
        metadata={"voicemail_part": "transcription", "transcription_status": "completed"},
    )
    first = await ingest(ctx, recording)
    second = await ingest(ctx, transcription)
    assert second.message_id == first.message_id and not second.created
    async with ctx.store.read() as session:
        message = await session.get(Message, first.message_id)
        routes = (await session.execute(select(OutboxJob.key).where(OutboxJob.job == "route"))).scalars().all()
    assert message is not None
    assert message.text == "Hi, please call me back about my refund."
    assert message.details["recording_url"] == "https://api.twilio.com/rec/RE1"
    assert message.details["voicemail_parts"] == ["recording", "transcription"]
    assert routes == [f"route:{first.message_id}"]

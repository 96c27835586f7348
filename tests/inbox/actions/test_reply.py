from __future__ import annotations

import pytest
from sqlalchemy import select

from channels.base import ChannelName, Identity, IdentityKind
from inbox.actions.reply import ReplyRefused, do_reply
from inbox.models import Message, OutboxJob
from tests.support.factories import inbound, ingest, update_contact
from workers.context import JobContext


async def test_a_reply_goes_back_on_the_channel_the_customer_last_wrote_on(ctx: JobContext) -> None:
    phone = Identity(IdentityKind.PHONE, "+14155550100")
    mail = Identity(IdentityKind.EMAIL, "alice@example.com")
    first = await ingest(ctx, inbound(ChannelName.EMAIL, "e1@example.com", sender=mail))
    # The same person later texts from a number merged into the same record.
    async with ctx.store.write() as session:
        from inbox.models import ContactIdentity

        session.add(ContactIdentity(contact_id=first.contact_id, kind="phone", value=phone.value))
    await ingest(ctx, inbound(ChannelName.SMS, "SM1", sender=phone))
    outcome = await do_reply(ctx.store, conversation_id=first.conversation_id, agent_id=None, text="On it.")
    assert outcome.channel == "sms"
    assert "last wrote on" in outcome.channel_reason
    async with ctx.store.read() as session:
        message = await session.get(Message, outcome.message_id)
        job = (
            await session.execute(select(OutboxJob).where(OutboxJob.key == f"send:{outcome.message_id}"))
        ).scalar_one()
    assert message is not None and message.delivery_status == "queued" and message.recipient == phone.value
    assert job.job == "send"


async def test_a_stated_preference_wins_over_the_last_channel(ctx: JobContext) -> None:
    first = await ingest(ctx, inbound(ChannelName.EMAIL, "e1@example.com"))
    async with ctx.store.write() as session:
        from inbox.models import ContactIdentity

        session.add(ContactIdentity(contact_id=first.contact_id, kind="phone", value="+14155550100"))
    await update_contact(ctx, first.contact_id, preferred_channel="sms")
    outcome = await do_reply(ctx.store, conversation_id=first.conversation_id, agent_id=None, text="Hi")
    assert outcome.channel == "sms" and "stated preference" in outcome.channel_reason


async def test_an_opted_out_channel_is_skipped_with_the_reason_shown(ctx: JobContext) -> None:
    first = await ingest(ctx, inbound(ChannelName.SMS, "SM1"))
    await update_contact(ctx, first.contact_id, consent={"sms": False})
    with pytest.raises(ReplyRefused, match="opted out of SMS"):
        await do_reply(ctx.store, conversation_id=first.conversation_id, agent_id=None, text="Hi")
    with pytest.raises(ReplyRefused, match="opted out of SMS"):
        await do_reply(ctx.store, conversation_id=first.conversation_id, agent_id=None, text="Hi", channel="sms")


async def test_a_private_note_is_stored_and_never_queued_for_sending(ctx: JobContext) -> None:
    first = await ingest(ctx, inbound())
    outcome = await do_reply(
        ctx.store, conversation_id=first.conversation_id, agent_id=None, text="VIP, be kind", note=True
    )
    assert not outcome.queued and outcome.channel is None
    async with ctx.store.read() as session:
        keys = (await session.execute(select(OutboxJob.key))).scalars().all()
    assert f"send:{outcome.message_id}" not in keys


async def test_an_empty_reply_is_refused(ctx: JobContext) -> None:
    first = await ingest(ctx, inbound())
    with pytest.raises(ReplyRefused, match="empty"):
        await do_reply(ctx.store, conversation_id=first.conversation_id, agent_id=None, text="  ")

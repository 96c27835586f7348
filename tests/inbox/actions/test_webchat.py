"""Visitor actions: verified identities join records, typed addresses never take over someone else's."""

from __future__ import annotations

from sqlalchemy import select

from channels.base import ChannelName, Identity, IdentityKind, ThreadHints
from inbox.actions.reply import do_reply
from inbox.actions.webchat import (
    do_leave_webchat_email,
    do_link_verified_visitor,
    do_send_webchat_transcript,
    do_webchat_visitor_back,
)
from inbox.models import Contact, ContactIdentity, Conversation, Event, Message, OutboxJob
from tests.support.factories import inbound, ingest
from workers.context import JobContext


async def _identities(ctx: JobContext) -> dict[tuple[str, str], int]:
    async with ctx.store.read() as session:
        rows = (await session.execute(select(ContactIdentity))).scalars().all()
    return {(row.kind, row.value): row.contact_id for row in rows}


async def _chat(ctx: JobContext, visitor: str, external_id: str, text: str = "hi") -> int:
    message = inbound(
        ChannelName.WEBCHAT,
        external_id=external_id,
        sender=Identity(IdentityKind.WEBCHAT, visitor),
        text=text,
        thread=ThreadHints(session_key=visitor),
    )
    return (await ingest(ctx, message)).conversation_id


async def test_a_verified_id_joins_the_existing_customer_with_the_anonymous_chat(ctx: JobContext) -> None:
    customer = await do_link_verified_visitor(ctx.store, "v-laptop", "shop:42", "Mei")
    anonymous_conversation = await _chat(ctx, "v-phone", "v-phone:1")
    assert await do_link_verified_visitor(ctx.store, "v-phone", "shop:42", None) == customer
    identities = await _identities(ctx)
    assert identities[("webchat", "v-phone")] == identities[("webchat", "v-laptop")] == customer
    async with ctx.store.read() as session:
        conversation = await session.get(Conversation, anonymous_conversation)
        contact = await session.get(Contact, customer)
        verified = (
            await session.execute(select(ContactIdentity).where(ContactIdentity.kind == "external"))
        ).scalar_one()
    assert conversation is not None and conversation.contact_id == customer
    assert contact is not None and contact.name == "Mei" and verified.verified


async def test_a_typed_email_is_attached_only_when_nobody_else_has_it(ctx: JobContext) -> None:
    await ingest(ctx, inbound(ChannelName.EMAIL, sender=Identity(IdentityKind.EMAIL, "boss@example.com")))
    await _chat(ctx, "v-intruder", "v-intruder:1")
    assert not await do_leave_webchat_email(ctx.store, "v-intruder", "boss@example.com", None, prefer_email=True)
    identities = await _identities(ctx)
    assert identities[("email", "boss@example.com")] != identities[("webchat", "v-intruder")]
    async with ctx.store.read() as session:
        intruder = await session.get(Contact, identities[("webchat", "v-intruder")])
        event = (await session.execute(select(Event).where(Event.kind == "webchat.email_left"))).scalar_one()
    assert intruder is not None and intruder.preferred_channel is None
    assert event.data["held_by_another"] is True


async def test_the_offline_preference_is_undone_when_the_visitor_chats_live_again(ctx: JobContext) -> None:
    conversation = await _chat(ctx, "v-mei", "v-mei:1")
    assert await do_leave_webchat_email(ctx.store, "v-mei", "mei@example.com", "Mei", prefer_email=True)
    assert (await do_reply(ctx.store, conversation_id=conversation, agent_id=None, text="a")).channel == "email"
    await do_webchat_visitor_back(ctx.store, "v-mei")
    assert (await do_reply(ctx.store, conversation_id=conversation, agent_id=None, text="b")).channel == "webchat"


async def test_a_transcript_is_queued_to_the_address_given(ctx: JobContext) -> None:
    assert await do_send_webchat_transcript(ctx.store, "v-nobody", "x@example.com") is None
    conversation = await _chat(ctx, "v-mei", "v-mei:1", "我的订单在哪里？")
    await do_reply(ctx.store, conversation_id=conversation, agent_id=None, text="It ships today.")
    message_id = await do_send_webchat_transcript(ctx.store, "v-mei", "mei@example.com")
    async with ctx.store.read() as session:
        mail = await session.get(Message, message_id)
        job = (await session.execute(select(OutboxJob).where(OutboxJob.key == f"send:{message_id}"))).scalar_one()
    assert mail is not None and mail.channel == "email" and mail.recipient == "mei@example.com"
    assert "You: 我的订单在哪里？" in mail.text and "Agent: It ships today." in mail.text
    assert job.job == "send"

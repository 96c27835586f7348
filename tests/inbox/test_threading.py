from __future__ import annotations

from channels.base import ChannelName, Identity, IdentityKind, ThreadHints
from inbox.models import Conversation
from inbox.threading import subject_token_id
from tests.support.factories import inbound, ingest
from workers.context import JobContext

BOB = Identity(IdentityKind.EMAIL, "bob@example.com")


async def test_the_reply_address_token_threads_first(ctx: JobContext) -> None:
    first = await ingest(ctx, inbound(external_id="a@example.com"))
    async with ctx.store.read() as session:
        conversation = await session.get(Conversation, first.conversation_id)
    assert conversation is not None
    hints = ThreadHints(conversation_token=conversation.reply_token)
    reply = await ingest(ctx, inbound(external_id="b@example.com", sender=BOB, thread=hints))
    assert reply.conversation_id == first.conversation_id
    assert reply.thread_reason == "reply address token"


async def test_a_subject_token_is_trusted_only_from_the_conversations_customer(ctx: JobContext) -> None:
    first = await ingest(ctx, inbound(external_id="a@example.com"))
    hints = ThreadHints(subject_token=f"Re: Booking [#{first.conversation_id}]")
    own = await ingest(ctx, inbound(external_id="b@example.com", thread=hints))
    stranger = await ingest(ctx, inbound(external_id="c@example.com", sender=BOB, thread=hints))
    assert own.conversation_id == first.conversation_id
    assert stranger.conversation_id != first.conversation_id and stranger.new_conversation


async def test_sms_continues_the_customers_latest_conversation(ctx: JobContext) -> None:
    first = await ingest(ctx, inbound(ChannelName.SMS, "SM1"))
    second = await ingest(ctx, inbound(ChannelName.SMS, "SM2"))
    assert second.conversation_id == first.conversation_id


async def test_an_email_without_hints_is_a_new_matter(ctx: JobContext) -> None:
    first = await ingest(ctx, inbound(external_id="a@example.com"))
    second = await ingest(ctx, inbound(external_id="b@example.com"))
    assert second.conversation_id != first.conversation_id
    assert second.contact_id == first.contact_id


async def test_a_call_session_keeps_its_events_together(ctx: JobContext) -> None:
    call = ThreadHints(session_key="CA123")
    ringing = await ingest(ctx, inbound(ChannelName.PHONE, "CA123:ringing", thread=call))
    answered = await ingest(ctx, inbound(ChannelName.PHONE, "CA123:answered", thread=call))
    other = await ingest(ctx, inbound(ChannelName.PHONE, "CA999:ringing", thread=ThreadHints(session_key="CA999")))
    assert answered.conversation_id == ringing.conversation_id
    assert other.conversation_id != ringing.conversation_id


def test_subject_tokens_are_read_from_a_subject_line() -> None:
    assert subject_token_id("Re: Your stay [#1234]") == 1234
    assert subject_token_id("#77") == 77
    assert subject_token_id("Re: no token here") is None
    assert subject_token_id(None) is None

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from channels.base import ChannelName, Identity, IdentityKind, InboundMessage, ThreadHints
from inbox.actions.ingest import IngestRejected, do_ingest
from inbox.blobs import BlobStore
from inbox.models import (
    Contact,
    ContactIdentity,
    Conversation,
    Event,
    Message,
    OutboxJob,
    Quarantine,
    RawPayload,
)
from inbox.raw_payloads import load_raw
from workers.context import JobContext

ALICE = Identity(IdentityKind.EMAIL, "alice@example.com", "Alice")


def email(external_id: str, sender: Identity | None = ALICE, **fields: object) -> InboundMessage:
    values: dict[str, object] = {
        "channel": ChannelName.EMAIL,
        "external_id": external_id,
        "sender": sender,
        "subject": "Booking change",
        "text": "Please move my booking.",
        "raw": f"Message-ID: <{external_id}>\r\n\r\nPlease move my booking.".encode(),
    }
    values.update(fields)
    return InboundMessage(**values)  # type: ignore[arg-type]


async def count(ctx: JobContext, model: type[object]) -> int:
    async with ctx.store.read() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def ingest(ctx: JobContext, message: InboundMessage):  # type: ignore[no-untyped-def]
    return await do_ingest(ctx.store, ctx.blobs, ctx.settings, message)


async def test_a_new_sender_becomes_a_customer_with_a_conversation(ctx: JobContext) -> None:
    outcome = await ingest(ctx, email("m1@example.com"))
    assert outcome.created and outcome.new_conversation
    async with ctx.store.read() as session:
        identity = (await session.execute(select(ContactIdentity))).scalar_one()
        contact = await session.get(Contact, outcome.contact_id)
        message = await session.get(Message, outcome.message_id)
        jobs = (await session.execute(select(OutboxJob))).scalars().all()
        events = (await session.execute(select(Event.kind))).scalars().all()
    assert identity.value == "alice@example.com" and identity.contact_id == outcome.contact_id
    assert contact is not None and contact.name == "Alice" and contact.last_inbound_channel == "email"
    assert message is not None and message.direction == "inbound" and message.raw_sha256 is not None
    assert [job.key for job in jobs] == [f"route:{outcome.message_id}"]
    assert "message.received" in events


async def test_the_raw_payload_is_kept_content_addressed(ctx: JobContext) -> None:
    message = email("raw@example.com")
    outcome = await ingest(ctx, message)
    async with ctx.store.read() as session:
        stored = await session.get(Message, outcome.message_id)
        assert stored is not None and stored.raw_sha256 is not None
        assert await session.get(RawPayload, stored.raw_sha256) is not None
        assert await load_raw(session, ctx.blobs, stored.raw_sha256) == message.raw


async def test_a_large_raw_payload_is_kept_as_a_file(ctx: JobContext) -> None:
    body = "y" * (ctx.settings.ingest.inline_raw_max_bytes + 10)
    message = email("large@example.com", text="see attached", raw=body.encode())
    outcome = await ingest(ctx, message)
    async with ctx.store.read() as session:
        stored = await session.get(Message, outcome.message_id)
        assert stored is not None and stored.raw_sha256 is not None
        row = await session.get(RawPayload, stored.raw_sha256)
        assert row is not None and row.content is None
        assert await load_raw(session, ctx.blobs, stored.raw_sha256) == message.raw
    assert ctx.blobs.exists(stored.raw_sha256)


async def test_the_same_message_twice_is_stored_once(ctx: JobContext) -> None:
    first = await ingest(ctx, email("dup@example.com"))
    second = await ingest(ctx, email("dup@example.com"))
    assert first.created and not second.created
    assert second.message_id == first.message_id
    assert await count(ctx, Message) == 1
    assert await count(ctx, OutboxJob) == 1


async def test_twenty_concurrent_deliveries_store_one_message_contact_and_conversation(
    ctx: JobContext,
) -> None:
    outcomes = await asyncio.gather(*(ingest(ctx, email("race@example.com")) for _ in range(20)))
    assert sum(outcome.created for outcome in outcomes) == 1
    assert len({outcome.message_id for outcome in outcomes}) == 1
    assert await count(ctx, Message) == 1
    assert await count(ctx, Contact) == 1
    assert await count(ctx, Conversation) == 1
    assert await count(ctx, ContactIdentity) == 1


async def test_concurrent_messages_from_one_new_sender_make_one_customer(ctx: JobContext) -> None:
    messages = [email(f"burst-{n}@example.com") for n in range(10)]
    await asyncio.gather(*(ingest(ctx, message) for message in messages))
    assert await count(ctx, Message) == 10
    assert await count(ctx, Contact) == 1


async def test_a_message_without_a_sender_is_quarantined_with_a_reason(ctx: JobContext) -> None:
    with pytest.raises(IngestRejected, match="no usable sender identity") as rejected:
        await ingest(ctx, email("anon@example.com", sender=None))
    async with ctx.store.read() as session:
        item = await session.get(Quarantine, rejected.value.quarantine_id)
    assert item is not None and "no usable sender" in item.reason
    async with ctx.store.read() as session:
        assert await load_raw(session, ctx.blobs, item.raw_sha256) == email("anon@example.com").raw
    assert await count(ctx, Message) == 0


async def test_an_oversized_message_is_quarantined_not_stored(ctx: JobContext) -> None:
    limit = ctx.settings.ingest.max_body_bytes
    huge = "x" * (limit + 1)
    with pytest.raises(IngestRejected, match="over the configured limit"):
        await ingest(ctx, email("big@example.com", text=huge, raw=huge.encode()))
    assert await count(ctx, Message) == 0
    assert await count(ctx, Quarantine) == 1


async def test_attachments_are_stored_once_by_content(ctx: JobContext, tmp_path: object) -> None:
    from channels.base import Attachment

    picture = Attachment("photo.png", "image/png", b"\x89PNG fake image bytes")
    outcome = await ingest(ctx, email("att@example.com", attachments=(picture, picture)))
    assert isinstance(ctx.blobs, BlobStore)
    assert ctx.blobs.exists(picture.sha256)
    async with ctx.store.read() as session:
        stored = await session.get(Message, outcome.message_id)
    assert stored is not None
    from inbox.models import Attachment as AttachmentRow

    assert await count(ctx, AttachmentRow) == 2


async def test_an_automatic_reply_is_stored_but_not_routed_and_does_not_reopen(ctx: JobContext) -> None:
    first = await ingest(ctx, email("orig@example.com"))
    async with ctx.store.write() as session:
        conversation = await session.get(Conversation, first.conversation_id)
        assert conversation is not None
        conversation.status = "resolved"
        conversation.resolved_at = conversation.last_message_at
    auto = await ingest(
        ctx,
        email("ooo@example.com", is_automatic=True, thread=ThreadHints(references=("orig@example.com",))),
    )
    assert auto.conversation_id == first.conversation_id
    async with ctx.store.read() as session:
        conversation = await session.get(Conversation, first.conversation_id)
        keys = (await session.execute(select(OutboxJob.key))).scalars().all()
    assert conversation is not None and conversation.status == "resolved"
    assert f"route:{auto.message_id}" not in keys


async def test_a_reply_within_the_window_reopens_and_a_late_one_starts_afresh(ctx: JobContext) -> None:
    first = await ingest(ctx, email("t1@example.com"))
    async with ctx.store.write() as session:
        conversation = await session.get(Conversation, first.conversation_id)
        assert conversation is not None
        conversation.status = "resolved"
        conversation.resolved_at = conversation.last_message_at
    hints = ThreadHints(references=("t1@example.com",))
    reopened = await ingest(ctx, email("t2@example.com", thread=hints))
    assert reopened.conversation_id == first.conversation_id
    async with ctx.store.write() as session:
        conversation = await session.get(Conversation, first.conversation_id)
        assert conversation is not None and conversation.status == "open"
        conversation.status = "resolved"
        window = timedelta(hours=ctx.settings.ingest.reopen_window_hours)
        conversation.resolved_at = conversation.last_message_at - window - timedelta(hours=1)
    late = await ingest(ctx, email("t3@example.com", thread=ThreadHints(references=("t2@example.com",))))
    assert late.conversation_id != first.conversation_id and late.new_conversation


async def test_a_batch_queues_one_routing_job_for_its_conversations(ctx: JobContext) -> None:
    from inbox.actions.ingest import IngestOutcome, do_ingest_batch

    senders = [Identity(IdentityKind.EMAIL, f"c{number}@example.com") for number in range(3)]
    messages = [email(f"batch{n}@example.com", sender, subject=f"S{n}") for n, sender in enumerate(senders)]
    messages.append(email("auto@example.com", senders[0], subject="Away", is_automatic=True))
    results = await do_ingest_batch(ctx.store, ctx.blobs, ctx.settings, messages)
    outcomes = [outcome for outcome in results if isinstance(outcome, IngestOutcome)]
    async with ctx.store.read() as session:
        jobs = (await session.execute(select(OutboxJob).where(OutboxJob.job == "route"))).scalars().all()
    assert [job.key for job in jobs] == [f"route:{outcomes[0].message_id}"]
    assert jobs[0].payload == {"conversation_ids": sorted(o.conversation_id for o in outcomes[:3])}


async def test_a_message_in_an_assigned_conversation_queues_no_routing(ctx: JobContext) -> None:
    from tests.support.factories import add_agent

    first = await ingest(ctx, email("first@example.com"))
    agent = await add_agent(ctx, "Owner")
    async with ctx.store.write() as session:
        conversation = await session.get(Conversation, first.conversation_id)
        assert conversation is not None
        conversation.assignee_id = agent
    again = await ingest(ctx, email("again@example.com", thread=ThreadHints(references=("first@example.com",))))
    assert again.conversation_id == first.conversation_id
    async with ctx.store.read() as session:
        keys = (await session.execute(select(OutboxJob.key).where(OutboxJob.job == "route"))).scalars().all()
    assert keys == [f"route:{first.message_id}"]


async def test_new_conversations_written_together_each_belong_to_their_own_customer(ctx: JobContext) -> None:
    from inbox.actions.ingest import IngestOutcome, do_ingest_batch

    senders = [Identity(IdentityKind.PHONE, f"+1415555{number:04d}") for number in range(12)]
    messages = [
        InboundMessage(channel=ChannelName.SMS, external_id=f"SM{n:032d}", sender=sender, text=f"text {n}")
        for n, sender in enumerate(senders)
    ]
    results = await do_ingest_batch(ctx.store, ctx.blobs, ctx.settings, messages)
    outcomes = [outcome for outcome in results if isinstance(outcome, IngestOutcome)]
    assert len(outcomes) == 12 and all(outcome.new_conversation for outcome in outcomes)
    async with ctx.store.read() as session:
        for message, outcome in zip(messages, outcomes, strict=True):
            conversation = await session.get(Conversation, outcome.conversation_id)
            stored = await session.get(Message, outcome.message_id)
            assert conversation is not None and stored is not None and message.sender is not None
            owner = await session.execute(
                select(ContactIdentity.value).where(ContactIdentity.contact_id == conversation.contact_id)
            )
            assert owner.scalar_one() == message.sender.value
            assert stored.conversation_id == conversation.id and stored.text == message.text
            # Filled by the store itself, not written by ingest.
            assert conversation.tier_rank == 3
            assert conversation.status == "open" and conversation.labels == [] and conversation.assignee_id is None
        tokens = (await session.execute(select(Conversation.reply_token))).scalars().all()
    assert len(set(tokens)) == 12

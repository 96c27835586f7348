"""Every kind of inbound mail through the handler the IMAP pollers use, into the real store: a corpus of real-world
mail, a fax from a configured gateway, a fax without a caller number, and a bounce without a sender."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trustme
from sqlalchemy import select

from channels.base import ChannelName, UnparseableInput
from channels.email import EmailChannel
from inbox.actions.reply import do_reply
from inbox.models import Attachment, Contact, ContactIdentity, Conversation, Message, Quarantine
from inbox.senderless import SENDERLESS_REPORT, UNKNOWN_FAX_PREFIX
from inbox.settings import Settings
from inbox.sink import StoreSink
from tests.conftest import SHARED
from tests.support.jobs import JobDriver
from tests.workers.email_hub import HUB_ADDRESS, customer_mail, trust_file, with_email
from workers.context import JobContext
from workers.email_setup import compose_config, fax_channel, parse_config
from workers.mail_polling import mail_handler

CORPUS = SHARED / "corpus" / "email"
SAMPLE_FAX = SHARED / "corpus" / "fax" / "sample_fax.eml"


@pytest.fixture
def settings(settings: Settings, certificate_authority: trustme.CA, tmp_path: Path) -> Settings:
    return with_email(settings, trust_file(certificate_authority, tmp_path))


@pytest.fixture
async def sink(ctx: JobContext) -> AsyncIterator[StoreSink]:
    store_sink = StoreSink(ctx.store, ctx.blobs, ctx.settings)
    yield store_sink
    await store_sink.close()


def digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


async def test_every_corpus_message_is_stored_or_quarantined_with_a_reason(ctx: JobContext, sink: StoreSink) -> None:
    files = sorted(path for path in CORPUS.rglob("*") if path.is_file())
    assert files, f"no corpus under {CORPUS}"
    handle = mail_handler(ctx.settings, sink)
    raws = [path.read_bytes() for path in files]
    # Handed over in groups, as a FETCH batch is; any exception fails the test here.
    for start in range(0, len(raws), 50):
        await asyncio.gather(*(handle(raw) for raw in raws[start : start + 50]))
    reader = EmailChannel(parse_config(ctx.settings), compose_config(ctx.settings))
    async with ctx.store.read() as session:
        stored_raw = set((await session.execute(select(Message.raw_sha256))).scalars())
        stored_ids = set((await session.execute(select(Message.external_id))).scalars())
        quarantined = {
            sha: reason for sha, reason in (await session.execute(select(Quarantine.raw_sha256, Quarantine.reason)))
        }
    assert all(reason.strip() for reason in quarantined.values())
    missing = []
    for path, raw in zip(files, raws, strict=True):
        if digest(raw) in stored_raw or digest(raw) in quarantined:
            continue
        try:
            (parsed,) = reader.parse(raw)
        except UnparseableInput:
            missing.append(path)
            continue
        # A copy of a message already stored (same Message-ID) is the same message, kept once.
        if parsed.external_id not in stored_ids:
            missing.append(path)
    assert missing == []
    assert stored_raw - {None}, "nothing in the corpus was stored"


async def test_a_gateway_fax_becomes_a_fax_conversation_with_its_pages_and_number(
    ctx: JobContext, sink: StoreSink
) -> None:
    raw = SAMPLE_FAX.read_bytes()
    await mail_handler(ctx.settings, sink)(raw)
    async with ctx.store.read() as session:
        message = (await session.execute(select(Message))).scalar_one()
        conversation = await session.get(Conversation, message.conversation_id)
        identity = (await session.execute(select(ContactIdentity))).scalar_one()
        files = (await session.execute(select(Attachment).where(Attachment.message_id == message.id))).scalars()
        types = sorted(item.content_type for item in files)
    assert conversation is not None and conversation.channel == "fax"
    assert (message.channel, message.details["pages"]) == ("fax", "3")
    assert (identity.kind, identity.value) == ("fax", "+15550100")
    # The gateway's TIFF, and a PDF made from it for the browser.
    assert types == ["application/pdf", "image/tiff"]


def hidden_number_fax(raw: bytes) -> bytes:
    """The sample fax as a gateway sends it when the caller withheld the number."""
    head, _, body = raw.partition(b"\n\n")
    head = head.replace(b'Subject: Fax received from "+15550100"', b"Subject: Fax received")
    body = body.replace(b"Sender: +15550100", b"Sender: ").replace(b"CallID1: +15550100", b"CallID1: ")
    return head.replace(b"To: support@hub.test", b"To: support@hub.test\nMessage-ID: <hidden1@gw.example>") + (
        b"\n\n" + body
    )


async def test_a_fax_with_a_hidden_number_is_kept_for_agents_and_a_reply_says_why_it_cannot_go(
    ctx: JobContext, sink: StoreSink, jobs: JobDriver
) -> None:
    raw = hidden_number_fax(SAMPLE_FAX.read_bytes())
    handle = mail_handler(ctx.settings, sink)
    await handle(raw)
    await handle(raw.replace(b"hidden1@gw.example", b"hidden2@gw.example"))
    async with ctx.store.read() as session:
        messages = (await session.execute(select(Message).order_by(Message.id))).scalars().all()
        identity = (await session.execute(select(ContactIdentity))).scalar_one()
        contact = await session.get(Contact, identity.contact_id)
        quarantined = (await session.execute(select(Quarantine))).scalars().all()
    assert quarantined == []
    assert [m.details["pages"] for m in messages] == ["3", "3"]
    assert (identity.kind, identity.value) == ("fax", f"{UNKNOWN_FAX_PREFIX}{HUB_ADDRESS}")
    assert contact is not None
    # Different callers may hide behind the placeholder, so each fax is a conversation of its own.
    assert messages[0].conversation_id != messages[1].conversation_id
    gateway = fax_channel(ctx.settings)
    assert gateway is not None
    ctx.channels.register(gateway)
    outcome = await do_reply(ctx.store, conversation_id=messages[0].conversation_id, agent_id=None, text="Hello")
    await jobs.drain()
    async with ctx.store.read() as session:
        answer = await session.get(Message, outcome.message_id)
    assert answer is not None and answer.delivery_status == "failed"
    assert answer.failure_reason is not None and "not a fax number" in answer.failure_reason


def bounce_for(message_id: str) -> bytes:
    return (
        "From: <>\r\nTo: support@hub.test\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <bounce1@mx.example.com>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.com\r\n\r\n"
        "Final-Recipient: rfc822; guest@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 mailbox unavailable\r\n\r\n"
        f"--B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <{message_id}>\r\n"
        "Subject: Re: Booking question 1\r\n\r\n--B--\r\n"
    ).encode()


async def test_a_senderless_bounce_fails_the_reply_and_is_kept_with_its_reason(
    ctx: JobContext, sink: StoreSink, jobs: JobDriver
) -> None:
    handle = mail_handler(ctx.settings, sink)
    await handle(customer_mail(1))
    async with ctx.store.read() as session:
        conversation_id = (await session.execute(select(Message.conversation_id))).scalar_one()
    outcome = await do_reply(ctx.store, conversation_id=conversation_id, agent_id=None, text="Done.")
    await jobs.drain()
    async with ctx.store.read() as session:
        sent = await session.get(Message, outcome.message_id)
        assert sent is not None and sent.external_id is not None
    raw = bounce_for(sent.external_id)
    await handle(raw)
    async with ctx.store.read() as session:
        failed = await session.get(Message, outcome.message_id)
        (kept,) = (await session.execute(select(Quarantine))).scalars().all()
    assert failed is not None and failed.delivery_status == "failed"
    assert failed.failure_reason is not None and "550 5.1.1 mailbox unavailable" in failed.failure_reason
    assert (kept.channel, kept.reason, kept.raw_sha256) == (ChannelName.EMAIL.value, SENDERLESS_REPORT, digest(raw))

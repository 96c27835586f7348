"""An email conversation end to end: the customer's mail read from Dovecot, the agent's reply sent through the
real email adapter to aiosmtpd over STARTTLS, and the customer's answer to it threading back."""

from __future__ import annotations

import email
from collections.abc import AsyncIterator, Awaitable, Callable
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
import trustme
from sqlalchemy import select

from channels.email import EmailChannel, deliver_mail
from inbox.actions.outbound_ids import RESERVED_ID_KEY
from inbox.actions.reply import do_reply
from inbox.models import Conversation, Message, OutboxJob
from inbox.settings import Settings
from inbox.sink import StoreSink
from tests.channels.email.dovecot_server import ImapAccount
from tests.channels.email.smtp_sink import SmtpServer
from tests.support.jobs import JobDriver
from tests.workers.email_hub import REPLY_DOMAIN, append, customer_mail, trust_file, wait_for_stored, with_email
from workers.context import JobContext
from workers.email_setup import email_channel
from workers.mail_polling import build_mail_polling

Hook = Callable[..., Awaitable[str]]


@pytest.fixture
def settings(
    settings: Settings,
    dovecot: ImapAccount,
    starttls_server: SmtpServer,
    certificate_authority: trustme.CA,
    tmp_path: Path,
) -> Settings:
    ca_file = trust_file(certificate_authority, tmp_path)
    return with_email(settings, ca_file, smtp_port=starttls_server.port, imap=dovecot)


@pytest.fixture
async def hub(ctx: JobContext) -> AsyncIterator[StoreSink]:
    adapter = email_channel(ctx.settings)
    assert adapter is not None
    ctx.channels.register(adapter)
    sink = StoreSink(ctx.store, ctx.blobs, ctx.settings)
    yield sink
    await sink.close()


async def customer_writes(ctx: JobContext, sink: StoreSink, raw: bytes) -> Message:
    adapter = ctx.channels.get("email")
    assert isinstance(adapter, EmailChannel)
    await deliver_mail(raw, sink, adapter)
    async with ctx.store.read() as session:
        return (await session.execute(select(Message).order_by(Message.id.desc()).limit(1))).scalar_one()


async def reply_and_send(ctx: JobContext, jobs: JobDriver, conversation_id: int, text: str) -> Message:
    outcome = await do_reply(ctx.store, conversation_id=conversation_id, agent_id=None, text=text)
    await jobs.drain()
    async with ctx.store.read() as session:
        sent = await session.get(Message, outcome.message_id)
        assert sent is not None
        return sent


async def attempts_of(ctx: JobContext, message_id: int) -> int:
    async with ctx.store.read() as session:
        job = (await session.execute(select(OutboxJob).where(OutboxJob.key == f"send:{message_id}"))).scalar_one()
        return job.attempts


def parsed(content: bytes) -> EmailMessage:
    return email.message_from_bytes(content, policy=default)


async def test_reply_threads_out_and_the_customers_answer_threads_back(
    ctx: JobContext, jobs: JobDriver, hub: StoreSink, dovecot: ImapAccount, starttls_server: SmtpServer
) -> None:
    reader = build_mail_polling(ctx.settings, ctx.store, hub)
    assert reader is not None
    reader.start()
    try:
        await append(dovecot, customer_mail(1))
        await wait_for_stored(ctx.store, "guest1@example.com")
        async with ctx.store.read() as session:
            first = (await session.execute(select(Message))).scalar_one()
            conversation = await session.get(Conversation, first.conversation_id)
            assert conversation is not None

        sent = await reply_and_send(ctx, jobs, first.conversation_id, "Yes, booking 1 moves to Tuesday.")
        assert (sent.delivery_status, sent.failure_reason) == ("sent", None)
        (received,) = starttls_server.handler.received
        assert received.recipients == ["guest@example.com"]
        out = parsed(received.content)
        assert out["Message-ID"] == f"<{sent.external_id}>"
        assert out["In-Reply-To"] == "<guest1@example.com>"
        assert "<guest1@example.com>" in out["References"]
        assert out["Reply-To"] == f"reply+{conversation.reply_token}@{REPLY_DOMAIN}"
        plain = out.get_body(("plain",))
        assert plain is not None and "Yes, booking 1 moves to Tuesday." in plain.get_content()

        # The customer answers what arrived, from a mail program that keeps the headers it was sent.
        answer = (
            f"From: Guest <guest@example.com>\r\nTo: {out['Reply-To']}\r\nSubject: Re: {out['Subject']}\r\n"
            f"Message-ID: <guest-answer@example.com>\r\nIn-Reply-To: {out['Message-ID']}\r\n"
            f"References: {out['References']} {out['Message-ID']}\r\n\r\nThank you, Tuesday is perfect.\r\n"
        ).encode()
        await append(dovecot, answer)
        await wait_for_stored(ctx.store, "guest-answer@example.com")
    finally:
        await reader.stop()
    async with ctx.store.read() as session:
        back = (
            await session.execute(select(Message).where(Message.external_id == "guest-answer@example.com"))
        ).scalar_one()
    assert back.conversation_id == first.conversation_id
    assert back.details["thread"] == "reply address token"


async def test_a_451_is_retried_with_the_same_message_id(
    ctx: JobContext, jobs: JobDriver, hub: StoreSink, starttls_server: SmtpServer
) -> None:
    first = await customer_writes(ctx, hub, customer_mail(2))
    handler = starttls_server.handler
    accept = handler.handle_RCPT
    refusals: list[str] = []

    async def busy_once(server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if not refusals:
            refusals.append(address)
            return "451 4.3.0 Mailbox temporarily unavailable, try again later"
        return await accept(server, session, envelope, address, options)

    handler.handle_RCPT = busy_once  # type: ignore[method-assign]
    sent = await reply_and_send(ctx, jobs, first.conversation_id, "Your room is ready.")
    assert refusals == ["guest@example.com"]
    assert sent.delivery_status == "sent"
    assert await attempts_of(ctx, sent.id) == 2
    (received,) = handler.received
    assert parsed(received.content)["Message-ID"] == f"<{sent.external_id}>"
    assert sent.details[RESERVED_ID_KEY] == sent.external_id


async def test_a_550_fails_with_the_servers_reason(
    ctx: JobContext, jobs: JobDriver, hub: StoreSink, starttls_server: SmtpServer
) -> None:
    first = await customer_writes(ctx, hub, customer_mail(3, sender="nouser@example.com"))
    sent = await reply_and_send(ctx, jobs, first.conversation_id, "We have your booking.")
    assert sent.delivery_status == "failed"
    assert sent.failure_reason is not None
    assert "550" in sent.failure_reason and "User unknown" in sent.failure_reason
    assert await attempts_of(ctx, sent.id) == 1
    assert starttls_server.handler.received == []


async def test_a_dropped_connection_is_retried_and_the_retry_reuses_the_message_id(
    ctx: JobContext, jobs: JobDriver, hub: StoreSink, starttls_server: SmtpServer
) -> None:
    first = await customer_writes(ctx, hub, customer_mail(4))
    handler = starttls_server.handler
    deliver = handler.handle_DATA
    attempts: list[bytes] = []

    async def recording(server: Any, session: Any, envelope: Any) -> str:
        attempts.append(envelope.content)
        return await deliver(server, session, envelope)

    handler.handle_DATA = recording  # type: ignore[method-assign]
    handler.drop_next = True
    sent = await reply_and_send(ctx, jobs, first.conversation_id, "See you on Friday.")
    assert sent.delivery_status == "sent"
    assert len(attempts) == 2
    ids = {parsed(content)["Message-ID"] for content in attempts}
    # The customer may hold the copy the server took before hanging up; both copies are one message.
    assert ids == {f"<{sent.external_id}>"}
    assert len(handler.received) == 1

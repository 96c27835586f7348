from __future__ import annotations

from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

import pytest

from channels.base import (
    ChannelName,
    Identity,
    IdentityKind,
    OutboundMessage,
    PermanentChannelError,
    TransientChannelError,
)
from channels.email import ComposeConfig, EmailChannel, ParseConfig, SmtpConfig, SmtpSecurity, SmtpSender
from tests.channels.email.smtp_sink import PASSWORD, USERNAME, SmtpServer
from tests.support.ports import free_port

COMPOSE = ComposeConfig(from_address="support@hub.test", message_id_domain="hub.test", reply_domain="reply.hub.test")
PARSE = ParseConfig(reply_domain="reply.hub.test")


def _outbound(to: str = "ann@example.com", message_id: int = 1) -> OutboundMessage:
    return OutboundMessage(
        channel=ChannelName.EMAIL,
        message_id=message_id,
        to=Identity(IdentityKind.EMAIL, to),
        text="Your booking is confirmed.",
        subject="Re: Booking",
        in_reply_to="<cust.1@example.com>",
        references=("<first@example.com>", "<cust.1@example.com>"),
        metadata={"conversation_token": "conv0042"},
    )


def _channel(server: SmtpServer, security: SmtpSecurity = SmtpSecurity.STARTTLS) -> EmailChannel:
    config = SmtpConfig(
        host="127.0.0.1",
        port=server.port,
        security=security,
        username=USERNAME if security is SmtpSecurity.STARTTLS else None,
        password=PASSWORD if security is SmtpSecurity.STARTTLS else None,
        timeout_seconds=5,
    )
    return EmailChannel(PARSE, COMPOSE, SmtpSender(config, tls_context=server.client_context))


async def test_reply_is_delivered_with_threading_headers(starttls_server: SmtpServer) -> None:
    channel = _channel(starttls_server)
    try:
        message_id = await channel.send(_outbound())
    finally:
        await channel.aclose()
    (received,) = starttls_server.handler.received
    assert received.sender == "support@hub.test"
    assert received.recipients == ["ann@example.com"]
    delivered = message_from_bytes(received.content, policy=default)
    assert delivered["Message-ID"] == f"<{message_id}>"
    assert delivered["In-Reply-To"] == "<cust.1@example.com>"
    assert delivered["References"] == "<first@example.com> <cust.1@example.com>"
    assert delivered["Reply-To"] == "reply+conv0042@reply.hub.test"


async def test_customer_reply_threads_back(starttls_server: SmtpServer) -> None:
    channel = _channel(starttls_server)
    try:
        message_id = await channel.send(_outbound())
    finally:
        await channel.aclose()
    delivered = message_from_bytes(starttls_server.handler.received[0].content, policy=default)
    answer = (
        f"From: ann@example.com\r\nTo: {delivered['Reply-To']}\r\nSubject: Re: {delivered['Subject']}\r\n"
        f"Message-ID: <cust.2@example.com>\r\nIn-Reply-To: {delivered['Message-ID']}\r\n"
        f"References: {delivered['References']} {delivered['Message-ID']}\r\n\r\nThank you!\r\n"
    ).encode()
    (inbound,) = channel.parse(answer)
    assert inbound.thread.conversation_token == "conv0042"
    assert inbound.thread.references[0] == message_id
    assert "cust.1@example.com" in inbound.thread.references


async def test_connection_is_reused(starttls_server: SmtpServer) -> None:
    channel = _channel(starttls_server)
    try:
        for number in range(3):
            await channel.send(_outbound(message_id=number))
    finally:
        await channel.aclose()
    peers = {received.peer for received in starttls_server.handler.received}
    assert len(starttls_server.handler.received) == 3
    assert len(peers) == 1


async def test_implicit_tls(implicit_tls_server: SmtpServer) -> None:
    channel = _channel(implicit_tls_server, SmtpSecurity.TLS)
    try:
        await channel.send(_outbound())
    finally:
        await channel.aclose()
    assert len(implicit_tls_server.handler.received) == 1


async def test_451_is_transient(starttls_server: SmtpServer) -> None:
    channel = _channel(starttls_server)
    try:
        with pytest.raises(TransientChannelError) as caught:
            await channel.send(_outbound(to="tempfail@example.com"))
        assert caught.value.code == "451"
        assert "try again later" in caught.value.reason
        # The refusal left the session usable: the next message goes out on it.
        await channel.send(_outbound())
    finally:
        await channel.aclose()
    assert len(starttls_server.handler.received) == 1


async def test_550_is_permanent_with_reason(starttls_server: SmtpServer) -> None:
    channel = _channel(starttls_server)
    try:
        with pytest.raises(PermanentChannelError) as caught:
            await channel.send(_outbound(to="nouser@example.com"))
    finally:
        await channel.aclose()
    assert caught.value.code == "550"
    assert "User unknown" in caught.value.reason
    assert starttls_server.handler.received == []


async def test_dropped_connection_is_transient_and_next_send_reconnects(starttls_server: SmtpServer) -> None:
    channel = _channel(starttls_server)
    try:
        await channel.send(_outbound(message_id=1))
        starttls_server.handler.drop_next = True
        with pytest.raises(TransientChannelError):
            await channel.send(_outbound(message_id=2))
        await channel.send(_outbound(message_id=3))
    finally:
        await channel.aclose()
    received = starttls_server.handler.received
    assert len(received) == 2
    assert received[0].peer != received[1].peer


async def test_wrong_password_is_reported(starttls_server: SmtpServer) -> None:
    config = SmtpConfig(
        host="127.0.0.1", port=starttls_server.port, username=USERNAME, password="wrong", timeout_seconds=5
    )
    sender = SmtpSender(config, tls_context=starttls_server.client_context)
    channel = EmailChannel(PARSE, COMPOSE, sender)
    with pytest.raises(TransientChannelError, match="login"):
        await channel.send(_outbound())
    await channel.aclose()


async def test_unreachable_server_is_transient() -> None:
    config = SmtpConfig(host="127.0.0.1", port=free_port(), security=SmtpSecurity.NONE, timeout_seconds=5)
    channel = EmailChannel(PARSE, COMPOSE, SmtpSender(config))
    with pytest.raises(TransientChannelError, match="Could not talk to the mail server"):
        await channel.send(_outbound())


async def test_untrusted_certificate_is_transient(starttls_server: SmtpServer) -> None:
    config = SmtpConfig(host="127.0.0.1", port=starttls_server.port, timeout_seconds=5)
    channel = EmailChannel(PARSE, COMPOSE, SmtpSender(config))
    with pytest.raises(TransientChannelError):
        await channel.send(_outbound())


async def test_sender_takes_envelope_from_headers(starttls_server: SmtpServer) -> None:
    message = EmailMessage()
    message["From"] = "Support <support@hub.test>"
    message["To"] = "Ann <ann@example.com>"
    message["Cc"] = "bob@example.org"
    message["Bcc"] = "audit@hub.test"
    message["Subject"] = "Hello"
    message.set_content("Hi")
    config = SmtpConfig(
        host="127.0.0.1", port=starttls_server.port, username=USERNAME, password=PASSWORD, timeout_seconds=5
    )
    sender = SmtpSender(config, tls_context=starttls_server.client_context)
    try:
        await sender.send(message)
    finally:
        await sender.aclose()
    (received,) = starttls_server.handler.received
    assert received.sender == "support@hub.test"
    assert received.recipients == ["ann@example.com", "bob@example.org", "audit@hub.test"]
    assert b"audit@hub.test" not in received.content
    assert message["Bcc"] == "audit@hub.test"

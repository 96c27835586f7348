from __future__ import annotations

import pytest

from channels.base import (
    Channel,
    ChannelName,
    DeliveryStatus,
    Identity,
    IdentityKind,
    MessageKind,
    OutboundMessage,
)
from channels.email import ComposeConfig, EmailChannel, ParseConfig
from channels.fax import FaxChannel
from channels.fax_config import FaxConfig

COMPOSE = ComposeConfig(from_address="support@hub.test")


def test_email_channel_satisfies_the_protocol() -> None:
    channel = EmailChannel(ParseConfig(), COMPOSE)
    assert isinstance(channel, Channel)
    assert channel.name is ChannelName.EMAIL


def test_fax_channel_satisfies_the_protocol() -> None:
    channel = FaxChannel(FaxConfig(gateway_senders=("gw.example",)), COMPOSE)
    assert isinstance(channel, Channel)
    assert channel.name is ChannelName.FAX


def test_bounce_is_both_a_stored_message_and_a_delivery_update() -> None:
    raw = (
        b"From: MAILER-DAEMON@mx.example.com\r\nTo: support@hub.test\r\nSubject: Undelivered Mail\r\n"
        b"Message-ID: <bounce.1@mx.example.com>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        b"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.com\r\n\r\n"
        b"Final-Recipient: rfc822; gone@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        b"Diagnostic-Code: smtp; 550 5.1.1 <gone@example.org>: user unknown\r\n"
        b"--b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <42.abc@hub.test>\r\nSubject: Re: x\r\n"
        b"--b--\r\n"
    )
    channel = EmailChannel(ParseConfig(), COMPOSE)
    (message,) = channel.parse(raw)
    assert message.kind is MessageKind.SYSTEM
    assert message.is_automatic
    (update,) = channel.delivery_updates(raw)
    assert update.status is DeliveryStatus.FAILED
    assert update.reference == "42.abc@hub.test"
    assert update.reason == "gone@example.org: 550 5.1.1 <gone@example.org>: user unknown"


async def test_send_without_sender_is_a_programming_error() -> None:
    channel = EmailChannel(ParseConfig(), COMPOSE)
    outbound = OutboundMessage(ChannelName.EMAIL, 1, Identity(IdentityKind.EMAIL, "a@example.com"), "hi")
    with pytest.raises(RuntimeError, match="without an SMTP sender"):
        await channel.send(outbound)

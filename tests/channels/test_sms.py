from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest

from channels.base import (
    Attachment,
    Channel,
    ChannelName,
    Identity,
    IdentityKind,
    OutboundMessage,
    PermanentChannelError,
    TransientChannelError,
    UnparseableInput,
)
from channels.sms import SmsChannel, parse_inbound_sms
from channels.twilio_config import TwilioConfig
from channels.twilio_errors import ERROR_WORDS

CUSTOMER = "+14155552345"


def inbound_form(**extra: str) -> dict[str, str]:
    form = {
        "MessageSid": "SM" + "1" * 32,
        "AccountSid": "AC" + "0" * 32,
        "From": "(415) 555-2345",
        "To": "+14155550100",
        "Body": "Hello, is my order shipped?",
        "NumMedia": "0",
    }
    form.update(extra)
    return form


def outbound(text: str = "Your order has shipped.", **extra: Any) -> OutboundMessage:
    return OutboundMessage(
        channel=ChannelName.SMS, message_id=42, to=Identity(IdentityKind.PHONE, CUSTOMER), text=text, **extra
    )


def test_inbound_sms_becomes_a_message_with_e164_sender() -> None:
    form = inbound_form()
    raw = urlencode(form).encode()
    message = parse_inbound_sms(form, raw)
    assert message.channel is ChannelName.SMS
    assert message.external_id == form["MessageSid"]
    assert message.sender == Identity(IdentityKind.PHONE, CUSTOMER)
    assert message.recipient == "+14155550100"
    assert message.text == "Hello, is my order shipped?"
    assert message.raw == raw
    assert message.metadata["segments"] == "1"
    assert "consent" not in message.metadata
    assert message.thread.session_key == f"sms:{CUSTOMER}:+14155550100"


def test_mms_media_urls_are_kept_for_the_download_job() -> None:
    form = inbound_form(
        Body="",
        NumMedia="2",
        MediaUrl0="https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME1",
        MediaContentType0="image/jpeg",
        MediaUrl1="https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME2",
        MediaContentType1="application/pdf",
    )
    message = parse_inbound_sms(form)
    assert message.metadata["media_count"] == "2"
    assert message.metadata["media_url_1"].endswith("/Media/ME2")
    assert message.metadata["media_content_type_0"] == "image/jpeg"
    assert message.attachments == ()


def test_stop_is_reported_as_opt_out() -> None:
    assert parse_inbound_sms(inbound_form(Body="Stop")).metadata["consent"] == "opt_out"
    assert parse_inbound_sms(inbound_form(Body="退订")).metadata["consent"] == "opt_out"
    assert parse_inbound_sms(inbound_form(Body="START")).metadata["consent"] == "opt_in"


def test_short_code_sender_is_kept_as_external_identity() -> None:
    message = parse_inbound_sms(inbound_form(From="72345"))
    assert message.sender == Identity(IdentityKind.EXTERNAL, "72345")


def test_form_without_message_sid_is_unparseable() -> None:
    form = inbound_form()
    del form["MessageSid"]
    with pytest.raises(UnparseableInput):
        parse_inbound_sms(form)


def test_bad_num_media_is_unparseable() -> None:
    with pytest.raises(UnparseableInput):
        parse_inbound_sms(inbound_form(NumMedia="many"))


def test_channel_parse_reads_the_raw_form(twilio_config: TwilioConfig) -> None:
    channel = SmsChannel(twilio_config)
    assert isinstance(channel, Channel)
    [message] = channel.parse(urlencode(inbound_form(Body="你好")).encode())
    assert message.text == "你好"


async def test_send_refuses_long_empty_and_file_bodies_before_calling_twilio(
    twilio_config: TwilioConfig,
) -> None:
    channel = SmsChannel(twilio_config)
    with pytest.raises(PermanentChannelError, match="1,600"):
        await channel.send(outbound("x" * 1601))
    with pytest.raises(PermanentChannelError, match="empty"):
        await channel.send(outbound("   "))
    with pytest.raises(PermanentChannelError, match="link"):
        await channel.send(outbound(attachments=(Attachment("a.png", "image/png", b"png"),)))
    email = OutboundMessage(ChannelName.SMS, 1, Identity(IdentityKind.EMAIL, "a@example.com"), "hi")
    with pytest.raises(PermanentChannelError, match="phone number"):
        await channel.send(email)
    await channel.aclose()


async def test_send_against_prism_returns_the_message_sid(
    prism_url: str, config_factory: Callable[..., TwilioConfig]
) -> None:
    channel = SmsChannel(config_factory(prism_url))
    try:
        sid = await channel.send(outbound())
    finally:
        await channel.aclose()
    assert sid.startswith("SM")
    assert len(sid) == 34


async def test_send_with_messaging_service_against_prism(
    prism_url: str, config_factory: Callable[..., TwilioConfig]
) -> None:
    channel = SmsChannel(config_factory(prism_url, sms_from=None, messaging_service_sid="MG" + "a" * 32))
    try:
        assert (await channel.send(outbound())).startswith("SM")
    finally:
        await channel.aclose()


async def test_request_prism_rejects_is_a_permanent_failure(
    prism_url: str, config_factory: Callable[..., TwilioConfig]
) -> None:
    # Prism validates the path against the spec: this account SID does not match ^AC[0-9a-f]{32}$.
    channel = SmsChannel(config_factory(prism_url, account_sid="ACnot-a-real-sid"))
    try:
        with pytest.raises(PermanentChannelError, match="HTTP 422"):
            await channel.send(outbound())
    finally:
        await channel.aclose()


async def test_send_posts_sender_body_and_status_callback(
    fake_twilio: Any, config_factory: Callable[..., TwilioConfig]
) -> None:
    config = config_factory(fake_twilio.url)
    channel = SmsChannel(config)
    try:
        sid = await channel.send(outbound())
    finally:
        await channel.aclose()
    assert sid == "SM" + "f" * 32
    [(path, form)] = fake_twilio.requests
    assert path == f"/2010-04-01/Accounts/{config.account_sid}/Messages.json"
    assert form == {
        "To": CUSTOMER,
        "From": "+14155550100",
        "Body": "Your order has shipped.",
        "StatusCallback": "https://hub.example.com/channels/twilio/sms/status?message_id=42",
    }


@pytest.mark.parametrize("code", [21610, 21211, 21408])
async def test_twilio_refusals_become_permanent_with_words(
    code: int, fake_twilio: Any, config_factory: Callable[..., TwilioConfig]
) -> None:
    fake_twilio.reply(400, {"code": code, "message": "refused", "more_info": "", "status": 400})
    channel = SmsChannel(config_factory(fake_twilio.url))
    try:
        with pytest.raises(PermanentChannelError) as caught:
            await channel.send(outbound())
    finally:
        await channel.aclose()
    assert caught.value.code == str(code)
    assert caught.value.reason == ERROR_WORDS[str(code)]


@pytest.mark.parametrize("status", [429, 500, 503])
async def test_rate_limit_and_server_errors_are_transient(
    status: int, fake_twilio: Any, config_factory: Callable[..., TwilioConfig]
) -> None:
    fake_twilio.reply(status, {"code": 20429 if status == 429 else 20500, "message": "busy", "status": status})
    channel = SmsChannel(config_factory(fake_twilio.url))
    try:
        with pytest.raises(TransientChannelError):
            await channel.send(outbound())
    finally:
        await channel.aclose()


async def test_unreachable_api_is_transient(config_factory: Callable[..., TwilioConfig]) -> None:
    # Port 9 (discard) on loopback is closed on any test machine: the connection is refused at once.
    channel = SmsChannel(config_factory("http://127.0.0.1:9"))
    try:
        with pytest.raises(TransientChannelError):
            await channel.send(outbound())
    finally:
        await channel.aclose()

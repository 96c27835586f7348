from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest

from channels.base import (
    Channel,
    ChannelName,
    Identity,
    IdentityKind,
    MessageKind,
    OutboundMessage,
    PermanentChannelError,
)
from channels.phone import PhoneChannel
from channels.twilio_config import TwilioConfig, VoiceConfig
from channels.twilio_voice_agents import AgentTarget

CUSTOMER = "+14155552345"
AGENT = AgentTarget("7", client_identity="agent-7")


def test_phone_channel_satisfies_the_contract_and_reparses_stored_callbacks(
    twilio_config: TwilioConfig,
) -> None:
    channel = PhoneChannel(twilio_config)
    assert isinstance(channel, Channel)
    event_raw = urlencode({"CallSid": "CA1", "CallStatus": "busy", "From": CUSTOMER, "To": "+14155550100"}).encode()
    [event] = channel.parse(event_raw)
    assert (event.kind, event.metadata["event"], event.raw) == (MessageKind.CALL_EVENT, "busy", event_raw)
    voicemail_raw = urlencode({"CallSid": "CA1", "RecordingSid": "RE1", "From": CUSTOMER}).encode()
    [voicemail] = channel.parse(voicemail_raw)
    assert (voicemail.kind, voicemail.external_id) == (MessageKind.VOICEMAIL, "voicemail:RE1")


async def test_written_reply_on_a_phone_conversation_is_refused_with_a_reason(
    twilio_config: TwilioConfig,
) -> None:
    outbound = OutboundMessage(ChannelName.PHONE, 1, Identity(IdentityKind.PHONE, CUSTOMER), "hello")
    with pytest.raises(PermanentChannelError, match="SMS"):
        await PhoneChannel(twilio_config).send(outbound)


async def test_callback_call_against_prism_returns_the_call_sid(
    prism_url: str, config_factory: Callable[..., TwilioConfig]
) -> None:
    channel = PhoneChannel(config_factory(prism_url))
    try:
        sid = await channel.place_callback_call(AGENT, "(415) 555-2345")
    finally:
        await channel.aclose()
    assert sid.startswith("CA")
    assert len(sid) == 34


async def test_callback_call_rings_the_agent_and_bridges_to_the_customer(
    fake_twilio: Any, config_factory: Callable[..., TwilioConfig]
) -> None:
    fake_twilio.reply(201, {"sid": "CA" + "e" * 32, "status": "queued"})
    config = config_factory(fake_twilio.url)
    channel = PhoneChannel(config)
    try:
        sid = await channel.place_callback_call(AGENT, "(415) 555-2345", language="zh-CN")
    finally:
        await channel.aclose()
    assert sid == "CA" + "e" * 32
    [(path, form)] = fake_twilio.requests
    assert path == f"/2010-04-01/Accounts/{config.account_sid}/Calls.json"
    query = "agent=7&customer=%2B14155552345&lang=zh-CN"
    assert form["To"] == "client:agent-7"
    assert form["From"] == "+14155550100"
    assert form["Url"] == f"https://hub.example.com/channels/twilio/voice/bridge?{query}"
    assert form["StatusCallback"] == f"https://hub.example.com/channels/twilio/voice/status?{query}"


async def test_callback_urls_name_the_hubs_log_entry(
    fake_twilio: Any, config_factory: Callable[..., TwilioConfig]
) -> None:
    fake_twilio.reply(201, {"sid": "CA" + "e" * 32, "status": "queued"})
    channel = PhoneChannel(config_factory(fake_twilio.url))
    try:
        await channel.place_callback_call(AGENT, CUSTOMER, message_id=42)
    finally:
        await channel.aclose()
    [(_path, form)] = fake_twilio.requests
    query = "agent=7&customer=%2B14155552345&lang=en&message_id=42"
    assert form["StatusCallback"] == f"https://hub.example.com/channels/twilio/voice/status?{query}"
    assert form["Url"] == f"https://hub.example.com/channels/twilio/voice/bridge?{query}"


async def test_callback_call_errors_are_mapped(fake_twilio: Any, config_factory: Callable[..., TwilioConfig]) -> None:
    fake_twilio.reply(400, {"code": 21211, "message": "Invalid 'To' Phone Number", "status": 400})
    channel = PhoneChannel(config_factory(fake_twilio.url))
    try:
        with pytest.raises(PermanentChannelError, match="not valid"):
            await channel.place_callback_call(AgentTarget("8", phone_number="+14155550199"), CUSTOMER)
    finally:
        await channel.aclose()


async def test_callback_needs_a_caller_id_and_a_real_number(
    config_factory: Callable[..., TwilioConfig],
) -> None:
    with pytest.raises(PermanentChannelError, match="caller id"):
        await PhoneChannel(config_factory(voice=VoiceConfig())).place_callback_call(AGENT, CUSTOMER)
    with pytest.raises(PermanentChannelError, match="not a phone number"):
        await PhoneChannel(config_factory()).place_callback_call(AGENT, "call me maybe")

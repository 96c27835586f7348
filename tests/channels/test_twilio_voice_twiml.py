from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

from twilio.twiml.voice_response import VoiceResponse

from channels import twilio_voice_twiml as build
from channels.twilio_config import MenuOption, TwilioConfig, VoiceConfig
from channels.twilio_voice_agents import AgentTarget

BASE = "https://hub.example.com/channels/twilio/voice"


def parse(document: VoiceResponse) -> ET.Element:
    return ET.fromstring(str(document.to_xml()))


def test_greeting_in_english_then_menu_then_connect(twilio_config: TwilioConfig) -> None:
    root = parse(build.greeting(twilio_config, "en"))
    say, gather, redirect = list(root)
    assert say.tag == "Say"
    assert say.get("language") == "en-US"
    assert (say.text or "").startswith("Thank you for calling")
    assert gather.tag == "Gather"
    assert gather.get("numDigits") == "1"
    assert gather.get("action") == f"{BASE}/menu?lang=en"
    menu_words = gather.find("Say").text or ""  # type: ignore[union-attr]
    assert "For sales, press 1." in menu_words
    assert "For billing, press 2." in menu_words
    assert redirect.tag == "Redirect"
    assert redirect.text == f"{BASE}/connect?lang=en"


def test_greeting_in_chinese(twilio_config: TwilioConfig) -> None:
    root = parse(build.greeting(twilio_config, "zh-CN"))
    say = root.find("Say")
    assert say is not None
    assert say.get("language") == "zh-CN"
    assert (say.text or "").startswith("感谢您的来电")
    assert "销售请按1" in (root.find("Gather/Say").text or "")  # type: ignore[union-attr]


def test_without_menu_the_greeting_goes_straight_to_connect(
    config_factory: Callable[..., TwilioConfig],
) -> None:
    root = parse(build.greeting(config_factory(voice=VoiceConfig()), "en"))
    assert [child.tag for child in root] == ["Say", "Redirect"]


def test_dial_to_a_client_identity_with_timeout_and_action(twilio_config: TwilioConfig) -> None:
    root = parse(build.dial_agent(twilio_config, "en", AgentTarget("7", client_identity="agent-7"), "sales"))
    dial = root.find("Dial")
    assert dial is not None
    assert dial.get("timeout") == "18"
    assert dial.get("action") == f"{BASE}/dial-action?agent=7&lang=en&team=sales"
    assert dial.find("Client") is not None
    assert dial.find("Client").text == "agent-7"


def test_dial_to_a_phone_number(twilio_config: TwilioConfig) -> None:
    root = parse(build.dial_agent(twilio_config, "en", AgentTarget("8", phone_number="+14155550199"), None))
    assert root.find("Dial/Number").text == "+14155550199"  # type: ignore[union-attr]


def test_enqueue_and_hold_music(twilio_config: TwilioConfig) -> None:
    enqueue = parse(build.enqueue(twilio_config, "en", None)).find("Enqueue")
    assert enqueue is not None
    assert enqueue.text == "support"
    assert enqueue.get("waitUrl") == f"{BASE}/queue-wait?lang=en"
    assert enqueue.get("action") == f"{BASE}/queue-result?lang=en"
    first = parse(build.hold(twilio_config, "en", first_time=True))
    assert [child.tag for child in first] == ["Say", "Play"]
    assert first.find("Play").text == "https://hub.example.com/static/hold.mp3"  # type: ignore[union-attr]
    assert [child.tag for child in parse(build.hold(twilio_config, "en", first_time=False))] == ["Play"]


def test_voicemail_records_with_transcription_and_names_the_caller(twilio_config: TwilioConfig) -> None:
    root = parse(build.voicemail(twilio_config, "zh-CN", "+14155552345"))
    record = root.find("Record")
    assert record is not None
    assert record.get("transcribe") == "true"
    assert record.get("transcribeCallback") == f"{BASE}/transcription?caller=%2B14155552345&lang=zh-CN"
    assert record.get("recordingStatusCallback") == f"{BASE}/recording?caller=%2B14155552345&lang=zh-CN"
    assert record.get("maxLength") == "180"
    assert (root.find("Say").text or "").startswith("很抱歉")  # type: ignore[union-attr]
    assert root[-1].tag == "Hangup"


def test_prompts_are_xml_escaped(config_factory: Callable[..., TwilioConfig]) -> None:
    config = config_factory(voice=VoiceConfig(menu=(MenuOption("1", "r&d", {"en": "R&D <lab>"}),)))
    root = parse(build.greeting(config, "en"))
    assert "For R&D <lab>, press 1." in (root.find("Gather/Say").text or "")  # type: ignore[union-attr]


def test_hold_without_music_pauses_between_prompts(config_factory: Callable[..., TwilioConfig]) -> None:
    config = config_factory(voice=VoiceConfig(hold_music_url=None))
    assert [child.tag for child in parse(build.hold(config, "en", first_time=False))] == ["Pause"]
    assert VoiceConfig().hold_music_url  # music is played unless a deployment turns it off

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from channels.base import ChannelName, MessageKind
from channels.twilio_config import TwilioConfig
from channels.twilio_routes import twilio_routes
from channels.twilio_voice_agents import AgentRequest, AgentTarget

VOICE = "/channels/twilio/voice"
CALLER = "+14155552345"
CALL = {"CallSid": "CA" + "3" * 32, "From": CALLER, "To": "+14155550100", "Direction": "inbound"}


class Agents:
    """A stand-in for the router: hands out the given agent (or none) and remembers what it was asked."""

    def __init__(self, agent: AgentTarget | None = None) -> None:
        self.agent = agent
        self.asked: list[AgentRequest] = []

    async def __call__(self, request: AgentRequest) -> AgentTarget | None:
        self.asked.append(request)
        return self.agent


def xml(response: Any) -> ET.Element:
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    return ET.fromstring(response.text)


def build_client(
    config: TwilioConfig,
    sink: Any,
    app_client: Callable[..., TestClient],
    agents: Agents,
    language: str | None = None,
) -> TestClient:
    async def caller_language(number: str) -> str | None:
        return language if number == CALLER else None

    return app_client(twilio_routes(config, sink, find_agent=agents, caller_language=caller_language))


@pytest.fixture
def free_agent() -> Agents:
    return Agents(AgentTarget("7", client_identity="agent-7"))


def test_inbound_call_greets_in_the_callers_language_and_logs_ringing(
    twilio_config: TwilioConfig,
    sink: Any,
    app_client: Callable[..., TestClient],
    post_signed: Callable[..., Any],
) -> None:
    client = build_client(twilio_config, sink, app_client, Agents(), language="zh")
    root = xml(post_signed(client, f"{VOICE}/inbound", {**CALL, "CallStatus": "ringing"}))
    assert root.find("Say").get("language") == "zh-CN"  # type: ignore[union-attr]
    assert root.find("Gather").get("action") == "https://hub.example.com/channels/twilio/voice/menu?lang=zh-CN"  # type: ignore[union-attr]
    [event] = sink.messages
    assert (event.channel, event.kind, event.sender.value) == (
        ChannelName.PHONE,
        MessageKind.CALL_EVENT,
        CALLER,
    )
    assert event.metadata["event"] == "ringing"
    assert event.thread.session_key == f"call:{CALL['CallSid']}"


def test_menu_choice_with_an_available_agent_dials_the_agent(
    twilio_config: TwilioConfig,
    sink: Any,
    app_client: Callable[..., TestClient],
    post_signed: Callable[..., Any],
    free_agent: Agents,
) -> None:
    client = build_client(twilio_config, sink, app_client, free_agent)
    root = xml(post_signed(client, f"{VOICE}/menu", {**CALL, "Digits": "2"}, query={"lang": "en"}))
    dial = root.find("Dial")
    assert dial is not None
    assert dial.find("Client").text == "agent-7"
    assert dial.get("timeout") == "18"
    [asked] = free_agent.asked
    assert (asked.team, asked.caller, asked.language) == ("billing", CALLER, "en")
    assert sink.messages[0].metadata["team"] == "billing"


def test_unknown_key_repeats_the_menu(
    twilio_config: TwilioConfig,
    sink: Any,
    app_client: Callable[..., TestClient],
    post_signed: Callable[..., Any],
) -> None:
    agents = Agents()
    client = build_client(twilio_config, sink, app_client, agents)
    root = xml(post_signed(client, f"{VOICE}/menu", {**CALL, "Digits": "9"}, query={"lang": "en"}))
    assert root.find("Gather") is not None
    assert agents.asked == []


def test_no_agent_queues_then_offers_voicemail_after_the_wait(
    twilio_config: TwilioConfig,
    sink: Any,
    app_client: Callable[..., TestClient],
    post_signed: Callable[..., Any],
) -> None:
    client = build_client(twilio_config, sink, app_client, Agents())
    root = xml(post_signed(client, f"{VOICE}/connect", CALL, query={"lang": "en"}))
    assert root.find("Enqueue").text == "support"  # type: ignore[union-attr]

    early = xml(post_signed(client, f"{VOICE}/queue-wait", {**CALL, "QueueTime": "0"}, query={"lang": "en"}))
    assert [child.tag for child in early] == ["Say", "Play"]
    later = xml(post_signed(client, f"{VOICE}/queue-wait", {**CALL, "QueueTime": "30"}, query={"lang": "en"}))
    assert [child.tag for child in later] == ["Play"]
    waited = xml(post_signed(client, f"{VOICE}/queue-wait", {**CALL, "QueueTime": "60"}, query={"lang": "en"}))
    assert [child.tag for child in waited] == ["Leave"]

    left = xml(
        post_signed(
            client,
            f"{VOICE}/queue-result",
            {**CALL, "QueueResult": "leave", "QueueTime": "61"},
            query={"lang": "en"},
        )
    )
    record = left.find("Record")
    assert record is not None
    assert record.get("transcribe") == "true"
    assert "caller=%2B14155552345" in (record.get("recordingStatusCallback") or "")


def test_agent_freed_while_waiting_takes_the_caller_out_of_the_queue_to_dial(
    twilio_config: TwilioConfig,
    sink: Any,
    app_client: Callable[..., TestClient],
    post_signed: Callable[..., Any],
) -> None:
    agents = Agents(AgentTarget("9", phone_number="+14155550199"))
    client = build_client(twilio_config, sink, app_client, agents)
    waited = xml(post_signed(client, f"{VOICE}/queue-wait", {**CALL, "QueueTime": "20"}, query={"lang": "en"}))
    assert [child.tag for child in waited] == ["Leave"]
    result = xml(
        post_signed(
            client,
            f"{VOICE}/queue-result",
            {**CALL, "QueueResult": "leave", "QueueTime": "20"},
            query={"lang": "en"},
        )
    )
    assert result.find("Dial/Number").text == "+14155550199"  # type: ignore[union-attr]


def test_agent_not_answering_sends_the_caller_to_the_queue(
    twilio_config: TwilioConfig,
    sink: Any,
    app_client: Callable[..., TestClient],
    post_signed: Callable[..., Any],
    free_agent: Agents,
) -> None:
    client = build_client(twilio_config, sink, app_client, free_agent)
    root = xml(
        post_signed(
            client,
            f"{VOICE}/dial-action",
            {**CALL, "DialCallStatus": "no-answer"},
            query={"agent": "7", "lang": "en"},
        )
    )
    assert root.find("Enqueue") is not None
    [event] = sink.messages
    assert event.metadata["dial_status"] == "no-answer"
    assert event.metadata["missed"] == "true"


def test_answered_call_is_logged_with_agent_and_duration(
    twilio_config: TwilioConfig,
    sink: Any,
    app_client: Callable[..., TestClient],
    post_signed: Callable[..., Any],
    free_agent: Agents,
) -> None:
    client = build_client(twilio_config, sink, app_client, free_agent)
    form = {**CALL, "DialCallStatus": "completed", "DialCallDuration": "125", "DialCallSid": "CA" + "4" * 32}
    root = xml(post_signed(client, f"{VOICE}/dial-action", form, query={"agent": "7", "lang": "en"}))
    assert [child.tag for child in root] == ["Hangup"]
    [event] = sink.messages
    assert event.metadata["event"] == "answered"
    assert (event.metadata["agent"], event.metadata["duration_seconds"]) == ("7", "125")
    assert "agent 7" in event.text


def test_caller_hanging_up_in_the_queue_is_an_abandoned_call(
    twilio_config: TwilioConfig,
    sink: Any,
    app_client: Callable[..., TestClient],
    post_signed: Callable[..., Any],
) -> None:
    client = build_client(twilio_config, sink, app_client, Agents())
    form = {**CALL, "QueueResult": "hangup", "QueueTime": "42"}
    root = xml(post_signed(client, f"{VOICE}/queue-result", form, query={"lang": "en"}))
    assert list(root) == []
    [event] = sink.messages
    assert (event.metadata["event"], event.metadata["missed"], event.sender.value) == (
        "abandoned",
        "true",
        CALLER,
    )


def test_voicemail_done_thanks_the_caller(
    twilio_config: TwilioConfig,
    sink: Any,
    app_client: Callable[..., TestClient],
    post_signed: Callable[..., Any],
) -> None:
    client = build_client(twilio_config, sink, app_client, Agents())
    root = xml(post_signed(client, f"{VOICE}/voicemail-done", {**CALL, "RecordingSid": "RE1"}, query={"lang": "en"}))
    assert [child.tag for child in root] == ["Say", "Hangup"]


def test_bridge_dials_the_customer_from_the_hub_number(
    twilio_config: TwilioConfig,
    sink: Any,
    app_client: Callable[..., TestClient],
    post_signed: Callable[..., Any],
) -> None:
    client = build_client(twilio_config, sink, app_client, Agents())
    query = {"customer": CALLER, "agent": "7", "lang": "en"}
    root = xml(post_signed(client, f"{VOICE}/bridge", {**CALL, "Direction": "outbound-api"}, query=query))
    dial = root.find("Dial")
    assert dial is not None
    assert dial.get("callerId") == "+14155550100"
    assert dial.find("Number").text == CALLER  # type: ignore[union-attr]


def test_voice_routes_refuse_unsigned_requests(
    twilio_config: TwilioConfig, sink: Any, app_client: Callable[..., TestClient], free_agent: Agents
) -> None:
    client = build_client(twilio_config, sink, app_client, free_agent)
    for name in [
        "inbound",
        "menu",
        "connect",
        "dial-action",
        "queue-wait",
        "queue-result",
        "bridge",
        "status",
    ]:
        assert client.post(f"{VOICE}/{name}", data=CALL).status_code == 403
    assert sink.nothing_received
    assert free_agent.asked == []


def test_requeued_caller_keeps_the_time_already_waited(
    twilio_config: TwilioConfig,
    sink: Any,
    app_client: Callable[..., TestClient],
    post_signed: Callable[..., Any],
) -> None:
    # An agent looked free at 40 s, but was taken before the caller reached them: back to the queue.
    client = build_client(twilio_config, sink, app_client, Agents())
    form = {**CALL, "QueueResult": "leave", "QueueTime": "40"}
    root = xml(post_signed(client, f"{VOICE}/queue-result", form, query={"lang": "en"}))
    enqueue = root.find("Enqueue")
    assert enqueue is not None
    assert enqueue.get("waitUrl") == "https://hub.example.com/channels/twilio/voice/queue-wait?lang=en&waited=40"
    # 40 s before plus 20 s in this round reach the 60 s voicemail threshold.
    query = {"lang": "en", "waited": "40"}
    waited = xml(post_signed(client, f"{VOICE}/queue-wait", {**CALL, "QueueTime": "20"}, query=query))
    assert [child.tag for child in waited] == ["Leave"]


def test_inbound_call_with_an_unreadable_status_is_still_greeted(
    twilio_config: TwilioConfig,
    sink: Any,
    app_client: Callable[..., TestClient],
    post_signed: Callable[..., Any],
) -> None:
    client = build_client(twilio_config, sink, app_client, Agents())
    root = xml(post_signed(client, f"{VOICE}/inbound", {**CALL, "CallStatus": "mystery"}))
    assert root.find("Say") is not None
    assert sink.messages == []
    [(channel, _raw, reason)] = sink.quarantined
    assert channel is ChannelName.PHONE
    assert "mystery" in reason

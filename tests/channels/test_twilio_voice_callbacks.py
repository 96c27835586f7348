from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from channels.base import ChannelName, DeliveryStatus, MessageKind
from channels.twilio_config import TwilioConfig
from channels.twilio_routes import twilio_routes

VOICE = "/channels/twilio/voice"
CALLER = "+14155552345"
CALL_SID = "CA" + "5" * 32
RECORDING_SID = "RE" + "6" * 32
RECORDING_URL = f"https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/{RECORDING_SID}"


@pytest.fixture
def client(twilio_config: TwilioConfig, sink: Any, app_client: Callable[..., TestClient]) -> TestClient:
    return app_client(twilio_routes(twilio_config, sink))


@pytest.mark.parametrize(
    ("status", "missed"), [("completed", False), ("busy", True), ("no-answer", True), ("failed", True)]
)
def test_call_status_becomes_a_call_event(
    client: TestClient, sink: Any, post_signed: Callable[..., Any], status: str, missed: bool
) -> None:
    form = {
        "CallSid": CALL_SID,
        "CallStatus": status,
        "From": CALLER,
        "To": "+14155550100",
        "Direction": "inbound",
    }
    if status == "completed":
        form["CallDuration"] = "93"
    assert post_signed(client, f"{VOICE}/status", form).status_code == 200
    [event] = sink.messages
    assert (event.channel, event.kind, event.external_id) == (
        ChannelName.PHONE,
        MessageKind.CALL_EVENT,
        f"call:{CALL_SID}:{status}",
    )
    assert event.sender.value == CALLER
    assert event.metadata["call_status"] == status
    assert ("missed" in event.metadata) is missed
    if status == "completed":
        assert event.metadata["duration_seconds"] == "93"


def test_call_back_status_names_the_customer_not_the_agent(
    client: TestClient, sink: Any, post_signed: Callable[..., Any]
) -> None:
    form = {
        "CallSid": CALL_SID,
        "CallStatus": "ringing",
        "From": "+14155550100",
        "To": "client:agent-7",
        "Direction": "outbound-api",
    }
    post_signed(client, f"{VOICE}/status", form, query={"customer": CALLER, "agent": "7", "lang": "en"})
    [event] = sink.messages
    assert event.sender.value == CALLER
    assert event.metadata["agent"] == "7"
    # Without the hub's message id in the URL there is no log entry to update, only the event.
    assert sink.updates == []
    assert event.thread.references == (f"call:{CALL_SID}:placed",)


@pytest.mark.parametrize(
    ("status", "moved_to"),
    [("completed", DeliveryStatus.DELIVERED), ("no-answer", DeliveryStatus.FAILED), ("busy", DeliveryStatus.FAILED)],
)
def test_call_back_status_updates_the_log_entry_named_in_the_url(
    client: TestClient, sink: Any, post_signed: Callable[..., Any], status: str, moved_to: DeliveryStatus
) -> None:
    form = {
        "CallSid": CALL_SID,
        "CallStatus": status,
        "From": "+14155550100",
        "To": "client:agent-7",
        "Direction": "outbound-api",
    }
    query = {"customer": CALLER, "agent": "7", "lang": "en", "message_id": "42"}
    assert post_signed(client, f"{VOICE}/status", form, query=query).status_code == 200
    [event] = sink.messages
    [update] = sink.updates
    assert (update.channel, update.status) == (ChannelName.PHONE, moved_to)
    assert (update.external_id, update.reference) == (f"call:{CALL_SID}:placed", "message:42")
    assert (update.reason is None) is (moved_to is DeliveryStatus.DELIVERED)
    # The event threads to the log entry by either of its ids, so it lands in the conversation called from.
    assert set(event.thread.references) == {"message:42", f"call:{CALL_SID}:placed"}


def test_inbound_call_events_name_no_log_entry(client: TestClient, sink: Any, post_signed: Callable[..., Any]) -> None:
    form = {"CallSid": CALL_SID, "CallStatus": "busy", "From": CALLER, "To": "+14155550100", "Direction": "inbound"}
    post_signed(client, f"{VOICE}/status", form, query={"message_id": "42"})
    [event] = sink.messages
    assert event.thread.references == ()


def test_recording_and_transcription_make_one_voicemail(
    client: TestClient, sink: Any, post_signed: Callable[..., Any]
) -> None:
    query = {"caller": CALLER, "lang": "en"}
    recording = {
        "CallSid": CALL_SID,
        "RecordingSid": RECORDING_SID,
        "RecordingUrl": RECORDING_URL,
        "RecordingStatus": "completed",
        "RecordingDuration": "14",
    }
    transcription = {
        "CallSid": CALL_SID,
        "RecordingSid": RECORDING_SID,
        "RecordingUrl": RECORDING_URL,
        "TranscriptionSid": "TR" + "7" * 32,
        "TranscriptionStatus": "completed",
        "TranscriptionText": "Hi, please call me back about my booking.",
        "From": CALLER,
        "To": "+14155550100",
    }
    assert post_signed(client, f"{VOICE}/recording", recording, query=query).status_code == 200
    assert post_signed(client, f"{VOICE}/transcription", transcription, query=query).status_code == 200
    first, second = sink.messages
    assert first.kind is second.kind is MessageKind.VOICEMAIL
    assert first.external_id == second.external_id == f"voicemail:{RECORDING_SID}"
    assert first.sender == second.sender
    assert first.sender.value == CALLER
    assert (first.metadata["voicemail_part"], first.text) == ("recording", "")
    assert first.metadata["recording_url"] == RECORDING_URL
    assert first.metadata["duration_seconds"] == "14"
    assert second.metadata["voicemail_part"] == "transcription"
    assert second.text == "Hi, please call me back about my booking."
    assert first.thread.session_key == second.thread.session_key == f"call:{CALL_SID}"


def test_failed_transcription_leaves_the_text_empty(
    client: TestClient, sink: Any, post_signed: Callable[..., Any]
) -> None:
    form = {
        "CallSid": CALL_SID,
        "RecordingSid": RECORDING_SID,
        "TranscriptionSid": "TR1",
        "TranscriptionStatus": "failed",
        "TranscriptionText": "",
    }
    post_signed(client, f"{VOICE}/transcription", form, query={"caller": CALLER})
    [message] = sink.messages
    assert (message.text, message.metadata["transcription_status"]) == ("", "failed")


def test_empty_recording_is_a_missed_call_event(client: TestClient, sink: Any, post_signed: Callable[..., Any]) -> None:
    form = {"CallSid": CALL_SID, "RecordingSid": RECORDING_SID, "RecordingStatus": "absent"}
    post_signed(client, f"{VOICE}/recording", form, query={"caller": CALLER})
    [event] = sink.messages
    assert event.kind is MessageKind.CALL_EVENT
    assert (event.metadata["event"], event.metadata["missed"]) == ("voicemail-empty", "true")


def test_tampered_caller_in_the_callback_url_is_refused(
    client: TestClient, sink: Any, post_signed: Callable[..., Any]
) -> None:
    form = {"CallSid": CALL_SID, "RecordingSid": RECORDING_SID, "RecordingStatus": "completed"}
    response = post_signed(
        client,
        f"{VOICE}/recording",
        form,
        query={"caller": "+14155559999"},
        signed_url=f"https://hub.example.com{VOICE}/recording?caller=%2B14155552345",
    )
    assert response.status_code == 403
    assert sink.nothing_received


def test_unknown_call_status_is_quarantined(client: TestClient, sink: Any, post_signed: Callable[..., Any]) -> None:
    post_signed(client, f"{VOICE}/status", {"CallSid": CALL_SID, "CallStatus": "exploded"})
    [(channel, _raw, reason)] = sink.quarantined
    assert channel is ChannelName.PHONE
    assert "exploded" in reason

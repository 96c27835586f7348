from __future__ import annotations

import pytest

from channels.base import ChannelName, DeliveryStatus, UnparseableInput
from channels.twilio_errors import ERROR_WORDS
from channels.twilio_status import delivery_update_from_call_status, delivery_update_from_status


@pytest.mark.parametrize(
    ("twilio_status", "status"),
    [
        ("queued", DeliveryStatus.QUEUED),
        ("sending", DeliveryStatus.SENDING),
        ("sent", DeliveryStatus.SENT),
        ("delivered", DeliveryStatus.DELIVERED),
        ("undelivered", DeliveryStatus.FAILED),
        ("failed", DeliveryStatus.FAILED),
    ],
)
def test_status_mapping(twilio_status: str, status: DeliveryStatus) -> None:
    update = delivery_update_from_status({"MessageSid": "SM1", "MessageStatus": twilio_status})
    assert (update.channel, update.status, update.external_id) == (ChannelName.SMS, status, "SM1")


def test_error_code_becomes_words() -> None:
    update = delivery_update_from_status(
        {"MessageSid": "SM1", "MessageStatus": "undelivered", "ErrorCode": "30003"}, message_id="42"
    )
    assert update.error_code == "30003"
    assert update.reason == ERROR_WORDS["30003"]
    assert update.reference == "message:42"


def test_failure_without_code_still_has_a_reason() -> None:
    update = delivery_update_from_status({"MessageSid": "SM1", "MessageStatus": "failed"})
    assert update.reason
    assert update.error_code is None


def test_success_has_no_reason() -> None:
    update = delivery_update_from_status({"MessageSid": "SM1", "MessageStatus": "delivered", "ErrorCode": ""})
    assert (update.reason, update.error_code, update.reference) == (None, None, None)


def test_unknown_status_is_unparseable() -> None:
    with pytest.raises(UnparseableInput):
        delivery_update_from_status({"MessageSid": "SM1", "MessageStatus": "teleported"})
    with pytest.raises(UnparseableInput):
        delivery_update_from_status({"MessageStatus": "sent"})


@pytest.mark.parametrize(
    ("call_status", "status"),
    [
        ("initiated", DeliveryStatus.SENT),
        ("ringing", DeliveryStatus.SENT),
        ("in-progress", DeliveryStatus.SENT),
        ("completed", DeliveryStatus.DELIVERED),
        ("busy", DeliveryStatus.FAILED),
        ("no-answer", DeliveryStatus.FAILED),
        ("failed", DeliveryStatus.FAILED),
        ("canceled", DeliveryStatus.FAILED),
    ],
)
def test_call_back_status_mapping(call_status: str, status: DeliveryStatus) -> None:
    update = delivery_update_from_call_status({"CallSid": "CA1", "CallStatus": call_status}, "7")
    assert (update.channel, update.status) == (ChannelName.PHONE, status)
    assert (update.external_id, update.reference) == ("call:CA1:placed", "message:7")
    assert (update.reason is not None) is (status is DeliveryStatus.FAILED)


def test_a_failed_call_back_says_whose_phone_and_keeps_the_code() -> None:
    update = delivery_update_from_call_status({"CallSid": "CA1", "CallStatus": "failed", "ErrorCode": "13224"}, "7")
    assert update.error_code == "13224"
    assert (
        update.reason == "Twilio could not ring the agent's phone, so the customer was not called (Twilio error 13224)."
    )
    busy = delivery_update_from_call_status({"CallSid": "CA1", "CallStatus": "busy"}, None)
    assert busy.reason == "The agent's phone was busy, so the customer was not called."
    assert busy.reference is None


def test_a_call_status_without_sid_or_known_status_is_unparseable() -> None:
    with pytest.raises(UnparseableInput):
        delivery_update_from_call_status({"CallSid": "CA1", "CallStatus": "teleported"}, "7")
    with pytest.raises(UnparseableInput):
        delivery_update_from_call_status({"CallStatus": "completed"}, "7")

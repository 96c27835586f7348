from __future__ import annotations

import pytest

from channels.base import ChannelName, DeliveryStatus, UnparseableInput
from channels.twilio_errors import ERROR_WORDS
from channels.twilio_status import delivery_update_from_status


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

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from channels.base import DeliveryStatus
from channels.twilio_config import TwilioConfig
from channels.twilio_errors import ERROR_WORDS
from channels.twilio_routes import twilio_routes
from channels.twilio_signature import SIGNATURE_HEADER

INBOUND = "/channels/twilio/sms/inbound"
STATUS = "/channels/twilio/sms/status"
SID = "SM" + "2" * 32
FORM = {"MessageSid": SID, "From": "+14155552345", "To": "+14155550100", "Body": "Where is my parcel?"}


@pytest.fixture
def client(twilio_config: TwilioConfig, sink: Any, app_client: Callable[..., TestClient]) -> TestClient:
    return app_client(twilio_routes(twilio_config, sink))


def test_signed_inbound_sms_reaches_the_sink_and_gets_empty_twiml(
    client: TestClient, sink: Any, post_signed: Callable[..., Any]
) -> None:
    response = post_signed(client, INBOUND, FORM)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    assert response.text.endswith("<Response />")
    [message] = sink.messages
    assert (message.external_id, message.sender.value, message.text) == (SID, "+14155552345", FORM["Body"])


def test_unsigned_request_is_refused(client: TestClient, sink: Any) -> None:
    response = client.post(INBOUND, data=FORM)
    assert response.status_code == 403
    assert sink.nothing_received


def test_forged_signature_is_refused(client: TestClient, sink: Any) -> None:
    response = client.post(INBOUND, data=FORM, headers={SIGNATURE_HEADER: "bm90IGEgc2lnbmF0dXJl"})
    assert response.status_code == 403
    assert sink.nothing_received


def test_tampered_parameter_is_refused(client: TestClient, sink: Any, post_signed: Callable[..., Any]) -> None:
    response = post_signed(client, INBOUND, {**FORM, "Body": "Refund me $5000"}, signed_params=FORM)
    assert response.status_code == 403
    assert sink.nothing_received


def test_signature_for_another_url_is_refused(client: TestClient, sink: Any, post_signed: Callable[..., Any]) -> None:
    response = post_signed(client, INBOUND, FORM, signed_url="https://hub.example.com/channels/twilio/sms/status")
    assert response.status_code == 403
    response = post_signed(client, INBOUND, FORM, signed_url="http://internal:8000/channels/twilio/sms/inbound")
    assert response.status_code == 403
    assert sink.nothing_received


def test_added_query_parameter_is_refused(client: TestClient, sink: Any, post_signed: Callable[..., Any]) -> None:
    response = post_signed(
        client,
        STATUS,
        {"MessageSid": SID, "MessageStatus": "delivered"},
        query={"message_id": "9"},
        signed_url="https://hub.example.com/channels/twilio/sms/status?message_id=1",
    )
    assert response.status_code == 403
    assert sink.nothing_received


def test_same_message_posted_five_times_is_handed_on_identically(
    client: TestClient, sink: Any, post_signed: Callable[..., Any]
) -> None:
    # Twilio retries when an answer is slow; storing it once is the store's job (unique channel and
    # external id), so the edge must hand every copy on unchanged.
    for _ in range(5):
        assert post_signed(client, INBOUND, FORM).status_code == 200
    assert len(sink.messages) == 5
    assert all(message == sink.messages[0] for message in sink.messages)
    assert {message.external_id for message in sink.messages} == {SID}


def test_help_is_answered_with_the_help_text_in_the_customers_language(
    client: TestClient, sink: Any, post_signed: Callable[..., Any]
) -> None:
    english = post_signed(client, INBOUND, {**FORM, "Body": "HELP"})
    assert "<Message>Customer service" in english.text
    chinese = post_signed(client, INBOUND, {**FORM, "Body": "帮助"})
    assert "<Message>客服" in chinese.text
    assert [m.metadata["consent"] for m in sink.messages] == ["help", "help"]


def test_help_text_from_settings_wins(
    sink: Any,
    post_signed: Callable[..., Any],
    config_factory: Callable[..., TwilioConfig],
    app_client: Callable[..., TestClient],
) -> None:
    config = config_factory(sms_help_text={"en": "Call 555-0100 for help."})
    client = app_client(twilio_routes(config, sink))
    assert "<Message>Call 555-0100 for help.</Message>" in post_signed(client, INBOUND, {**FORM, "Body": "help"}).text


def test_stop_is_handed_on_as_opt_out_and_answered_empty(
    client: TestClient, sink: Any, post_signed: Callable[..., Any]
) -> None:
    response = post_signed(client, INBOUND, {**FORM, "Body": "STOP"})
    assert response.text.endswith("<Response />")
    assert sink.messages[0].metadata["consent"] == "opt_out"


def test_signed_but_unreadable_form_is_quarantined(
    client: TestClient, sink: Any, post_signed: Callable[..., Any]
) -> None:
    response = post_signed(client, INBOUND, {"Body": "no sid"})
    assert response.status_code == 200
    [(channel, raw, reason)] = sink.quarantined
    assert (channel.value, raw) == ("sms", b"Body=no+sid")
    assert "MessageSid" in reason
    assert sink.messages == []


def test_status_callbacks_move_the_message_through_its_statuses(
    client: TestClient, sink: Any, post_signed: Callable[..., Any]
) -> None:
    for status, extra in [("queued", {}), ("sent", {}), ("undelivered", {"ErrorCode": "30003"})]:
        response = post_signed(
            client, STATUS, {"MessageSid": SID, "MessageStatus": status, **extra}, query={"message_id": "42"}
        )
        assert response.status_code == 200
    assert [u.status for u in sink.updates] == [
        DeliveryStatus.QUEUED,
        DeliveryStatus.SENT,
        DeliveryStatus.FAILED,
    ]
    assert all(u.external_id == SID and u.reference == "message:42" for u in sink.updates)
    assert sink.updates[-1].reason == ERROR_WORDS["30003"]


def test_opted_out_status_gives_the_reason(client: TestClient, sink: Any, post_signed: Callable[..., Any]) -> None:
    post_signed(client, STATUS, {"MessageSid": SID, "MessageStatus": "failed", "ErrorCode": "21610"})
    [update] = sink.updates
    assert update.status is DeliveryStatus.FAILED
    assert "opted out" in (update.reason or "")


def test_get_is_not_allowed(client: TestClient, sink: Any) -> None:
    assert client.get(INBOUND).status_code == 405
    assert sink.nothing_received


def test_oversized_body_is_refused_even_when_signed(
    client: TestClient, sink: Any, post_signed: Callable[..., Any]
) -> None:
    response = post_signed(client, INBOUND, {**FORM, "Body": "x" * 70_000})
    assert response.status_code == 403
    assert sink.nothing_received

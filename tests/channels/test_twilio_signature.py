from __future__ import annotations

from channels.twilio_config import TwilioConfig
from channels.twilio_signature import compute_signature, is_signed_by_twilio, public_url

PARAMS = {"From": "+14155552345", "Body": "hi", "MessageSid": "SM1"}


def test_public_url_uses_the_configured_base_not_the_proxied_host(twilio_config: TwilioConfig) -> None:
    assert (
        public_url(twilio_config, "/channels/twilio/sms/status", "message_id=7")
        == "https://hub.example.com/channels/twilio/sms/status?message_id=7"
    )


def test_signature_round_trip(twilio_config: TwilioConfig) -> None:
    url = public_url(twilio_config, "/channels/twilio/sms/inbound")
    signature = compute_signature(twilio_config.auth_token, url, PARAMS)
    assert is_signed_by_twilio(twilio_config, url, PARAMS, signature)


def test_tampered_param_url_or_token_fails(twilio_config: TwilioConfig) -> None:
    url = public_url(twilio_config, "/channels/twilio/sms/inbound")
    signature = compute_signature(twilio_config.auth_token, url, PARAMS)
    assert not is_signed_by_twilio(twilio_config, url, {**PARAMS, "Body": "hi!"}, signature)
    assert not is_signed_by_twilio(twilio_config, url + "?x=1", PARAMS, signature)
    assert not is_signed_by_twilio(twilio_config, url, PARAMS, compute_signature("other", url, PARAMS))
    assert not is_signed_by_twilio(twilio_config, url, PARAMS, None)
    assert not is_signed_by_twilio(twilio_config, url, PARAMS, "")

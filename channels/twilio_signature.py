"""Checking that a webhook really comes from Twilio, with twilio's own ``RequestValidator``.

Twilio signs the URL it called plus the sorted form fields with the account's auth token. Behind a reverse
proxy the app sees a different scheme, host or port than Twilio used, so the URL is rebuilt from the
configured public base URL and the path and query the app received.
"""

from __future__ import annotations

from collections.abc import Mapping

from twilio.request_validator import RequestValidator

from channels.twilio_config import TwilioConfig

SIGNATURE_HEADER = "X-Twilio-Signature"


def public_url(config: TwilioConfig, path: str, query: str = "") -> str:
    """The URL Twilio called, given the path and raw query string the app received."""
    url = config.public_base_url.rstrip("/") + "/" + path.lstrip("/")
    return f"{url}?{query}" if query else url


def compute_signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """The signature Twilio would send for ``url`` and ``params``; used to sign test requests and by tools."""
    signature: str = RequestValidator(auth_token).compute_signature(url, dict(params))
    return signature


def is_signed_by_twilio(config: TwilioConfig, url: str, params: Mapping[str, str], signature: str | None) -> bool:
    if not signature or not config.auth_token:
        return False
    valid: bool = RequestValidator(config.auth_token).validate(url, dict(params), signature)
    return valid

"""Twilio's error codes in words an agent can act on, and Twilio failures as the hub's channel errors."""

from __future__ import annotations

import asyncio

import aiohttp
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException

from channels.base import ChannelError, PermanentChannelError, TransientChannelError

ERROR_WORDS: dict[str, str] = {
    "20003": "Twilio refused the hub's account credentials; an administrator must check the Twilio settings.",
    "20429": "Twilio is limiting how fast the hub may send; the message will be tried again.",
    "21211": "The phone number is not valid. Check the number on the customer's record.",
    "21408": "The account is not permitted to send to this country or region.",
    "21606": "The hub's sending number cannot send SMS. An administrator must choose another sender.",
    "21610": "The customer has opted out of SMS (they replied STOP). They must reply START before they can be texted.",
    "21612": "This number cannot be reached from the hub's sending number.",
    "21614": "The number is not a mobile number and cannot receive SMS.",
    "21617": "The text is longer than 1,600 characters.",
    "30001": "Twilio's sending queue was full; the message was not sent.",
    "30002": "The Twilio account is suspended.",
    "30003": "The customer's phone is unreachable (switched off or out of coverage).",
    "30004": "The message was blocked by the carrier or the customer.",
    "30005": "The number is unknown or no longer in service.",
    "30006": "The number is a landline or cannot receive SMS.",
    "30007": "The carrier filtered the message as spam.",
    "30008": "The carrier could not deliver the message and gave no reason.",
    "30034": "The sending number is not registered for business messaging (A2P 10DLC).",
}

# Codes that describe a passing condition rather than the recipient or the message.
TRANSIENT_CODES = frozenset({"20429", "30001"})


def error_words(code: str | int | None, fallback: str | None = None) -> str | None:
    """The agent-facing words for a Twilio error code; ``fallback`` or a generic sentence when unknown."""
    if code is None or str(code).strip() in ("", "0"):
        return fallback
    key = str(code).strip()
    return ERROR_WORDS.get(key) or fallback or f"Twilio reported error {key}."


def _from_status(status: int, code: str | None, message: str) -> ChannelError:
    words = error_words(code) if code and code != str(status) else None
    if status == 429 or status >= 500 or (code in TRANSIENT_CODES):
        return TransientChannelError(words or f"Twilio is unavailable right now (HTTP {status}).", code=code)
    return PermanentChannelError(words or f"Twilio refused the request (HTTP {status}): {message}", code=code)


def channel_error_from(exc: BaseException) -> ChannelError:
    """Classify a failure of a Twilio API call: worth retrying later, or final with a reason."""
    if isinstance(exc, ChannelError):
        return exc
    if isinstance(exc, TwilioRestException):
        code = None if exc.code is None else str(exc.code)
        return _from_status(int(exc.status), code, str(exc.msg))
    if isinstance(exc, TwilioServiceException):
        return _from_status(int(exc.status), str(exc.code), str(exc.detail or exc.title))
    if isinstance(exc, asyncio.TimeoutError | aiohttp.ClientError | OSError):
        return TransientChannelError(f"Could not reach Twilio ({type(exc).__name__}); the message will be tried again.")
    if isinstance(exc, TwilioException):
        return PermanentChannelError(f"Twilio refused the request: {exc}")
    return TransientChannelError(f"Unexpected failure talking to Twilio: {type(exc).__name__}: {exc}")

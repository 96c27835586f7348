from __future__ import annotations

import aiohttp
import pytest
from twilio.base.exceptions import TwilioRestException

from channels.base import PermanentChannelError, TransientChannelError
from channels.twilio_errors import ERROR_WORDS, channel_error_from, error_words

REQUIRED_CODES = ["21610", "30003", "30005", "30006", "30007", "21211", "30008", "21408"]


@pytest.mark.parametrize("code", REQUIRED_CODES)
def test_required_codes_have_words(code: str) -> None:
    words = error_words(code)
    assert words == ERROR_WORDS[code]
    assert code not in words  # the agent reads a reason, not a number


def test_opted_out_words_say_what_to_do() -> None:
    assert "opted out" in (error_words(21610) or "")
    assert "unreachable" in (error_words("30003") or "")


def test_unknown_code_gets_a_generic_sentence_and_missing_code_the_fallback() -> None:
    assert error_words("39999") == "Twilio reported error 39999."
    assert error_words(None, fallback="fallback words") == "fallback words"
    assert error_words("", fallback=None) is None


def _rest(status: int, code: int | None) -> TwilioRestException:
    return TwilioRestException(status, "https://api.twilio.com/x", "Unable to create record", code, "POST")


def test_opted_out_and_invalid_number_are_permanent_with_words() -> None:
    opted_out = channel_error_from(_rest(400, 21610))
    assert isinstance(opted_out, PermanentChannelError)
    assert (opted_out.code, opted_out.reason) == ("21610", ERROR_WORDS["21610"])
    invalid = channel_error_from(_rest(400, 21211))
    assert isinstance(invalid, PermanentChannelError)
    assert invalid.reason == ERROR_WORDS["21211"]


@pytest.mark.parametrize(("status", "code"), [(429, 20429), (500, None), (503, 503), (400, 30001)])
def test_rate_limits_and_server_errors_are_transient(status: int, code: int | None) -> None:
    assert isinstance(channel_error_from(_rest(status, code)), TransientChannelError)


@pytest.mark.parametrize("exc", [TimeoutError(), aiohttp.ClientConnectionError("reset"), ConnectionRefusedError()])
def test_network_failures_are_transient(exc: BaseException) -> None:
    assert isinstance(channel_error_from(exc), TransientChannelError)


def test_unknown_4xx_is_permanent_and_quotes_the_http_status() -> None:
    error = channel_error_from(_rest(404, 404))
    assert isinstance(error, PermanentChannelError)
    assert "HTTP 404" in error.reason

from __future__ import annotations

import pytest

from channels.sms_consent import ConsentKeyword, classify_consent


@pytest.mark.parametrize(
    "body",
    ["STOP", "stop", " Stop. ", "STOPALL", "UNSUBSCRIBE", "cancel", "END", "quit", "退订", "取消订阅", "TD"],
)
def test_opt_out_keywords(body: str) -> None:
    assert classify_consent(body) is ConsentKeyword.OPT_OUT


@pytest.mark.parametrize("body", ["START", "unstop", "Yes!", "订阅", "开始"])
def test_opt_in_keywords(body: str) -> None:
    assert classify_consent(body) is ConsentKeyword.OPT_IN


@pytest.mark.parametrize("body", ["HELP", "info", "帮助", "帮助？"])
def test_help_keywords(body: str) -> None:
    assert classify_consent(body) is ConsentKeyword.HELP


def test_full_width_letters_are_folded() -> None:
    assert classify_consent("ＳＴＯＰ") is ConsentKeyword.OPT_OUT


@pytest.mark.parametrize(
    "body", ["Please stop the delivery at noon", "stop!!! no wait", "取消", "I want to cancel my booking", ""]
)
def test_ordinary_messages_are_not_keywords(body: str) -> None:
    assert classify_consent(body) is None

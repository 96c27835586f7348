"""Recognising the keywords by which a customer withdraws or restores SMS consent, or asks for help.

Carriers and Twilio act on a message that *is* the keyword, not one that merely contains it ("stop the
delivery at noon" is not an opt-out), so the whole trimmed body is compared. Chinese carriers' convention
("回复TD退订") makes TD an opt-out word as well. Words that also mean something else in a reply
(取消 "cancel" a booking, 信息 "information") are left out on purpose: a missed opt-out is answered
by the customer repeating it, a false one silently loses them.
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum


class ConsentKeyword(StrEnum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"


_KEYWORDS: dict[str, ConsentKeyword] = {
    **dict.fromkeys(
        [
            "stop",
            "stopall",
            "stop all",
            "unsubscribe",
            "cancel",
            "end",
            "quit",
            "optout",
            "opt out",
            "revoke",
            "td",
            "退订",
            "取消订阅",
            "退订短信",
            "停止",
            "停止发送",
            "不要再发",
        ],
        ConsentKeyword.OPT_OUT,
    ),
    **dict.fromkeys(
        ["start", "unstop", "yes", "订阅", "开始", "重新订阅", "恢复订阅"],
        ConsentKeyword.OPT_IN,
    ),
    **dict.fromkeys(["help", "info", "帮助", "求助"], ConsentKeyword.HELP),
}

# Punctuation a phone keyboard adds around a one-word reply, in ASCII and full-width forms (NFKC folds the
# latter).
_TRIM = " \t\r\n.!?。！？,，~～\"'“”"


def _normalized(body: str) -> str:
    folded = unicodedata.normalize("NFKC", body).casefold().strip(_TRIM)
    return " ".join(folded.split())


def classify_consent(body: str) -> ConsentKeyword | None:
    """The consent keyword ``body`` amounts to, or ``None`` for an ordinary message."""
    return _KEYWORDS.get(_normalized(body))

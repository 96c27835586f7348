from __future__ import annotations

import pytest

from channels.email import visible_reply


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thanks!\n\nOn Mon, Apr 2, 2012 at 6:26 PM, Megan <m@example.com> wrote:\n> Hi\n", "Thanks!"),
        ("Thanks!\n\nOn Tue, 2011-03-01 at 18:02 +0530, Abhishek\nKona wrote:\n> Hi\n", "Thanks!"),
        ("Yes\n\n-----Original Message-----\nFrom: a\nSent: today\n\nold\n", "Yes"),
        ("Yes\n\nFrom: Support <s@hub.test>\nSent: Monday\nTo: me\nSubject: Re: x\n\nold", "Yes"),
        ("Yes\n\n________________________________\nFrom: Support\n", "Yes"),
        ("Fine.\n\n-- \nAnn Customer\nACME Ltd\n", "Fine."),
        ("Fine.\n\nSent from my iPhone\n", "Fine."),
        ("好的，谢谢\n\n在 2026年11月20日 10:00，客服 <s@hub.test> 写道：\n> 您好\n", "好的，谢谢"),
        (
            "> question one\nanswer one\n> question two\nanswer two\n",
            "> question one\nanswer one\n> question two\nanswer two",
        ),
        ("On 04/02/2012 06:26 PM, Megan One wrote:\n> Hi\nHello\n", "Hello"),
        ("Just a plain message\nwith two lines", "Just a plain message\nwith two lines"),
    ],
)
def test_visible_reply(text: str, expected: str) -> None:
    assert visible_reply(text) == expected


def test_visible_reply_never_empty_for_pure_quote() -> None:
    assert visible_reply("> only quoted\n> text") == "> only quoted\n> text"

from __future__ import annotations

import pytest

from channels.email import reply_address
from channels.email.headers import message_ids, normalize_message_id
from channels.email.threading import subject_token


def test_reply_address_round_trip() -> None:
    assert reply_address("abc_DEF-123", "reply.hub.test") == "reply+abc_DEF-123@reply.hub.test"
    with pytest.raises(ValueError, match="reply token"):
        reply_address("bad token", "reply.hub.test")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("<a.b@c>", "a.b@c"), ("  <a.b@c>  ", "a.b@c"), ("a.b@c", "a.b@c"), ("<>", None), ("", None)],
)
def test_normalize_message_id(value: str, expected: str | None) -> None:
    assert normalize_message_id(value) == expected


def test_message_ids_accepts_bracketed_and_bare() -> None:
    assert message_ids("<a@x>\r\n <b@y> <c@z>") == ["a@x", "b@y", "c@z"]
    assert message_ids("a@x, b@y") == ["a@x", "b@y"]
    assert message_ids(None) == []


@pytest.mark.parametrize(
    ("subject", "token"),
    [("Re: help [#1234]", "1234"), ("[#A-77] billing", "A-77"), ("no token #1234", None), (None, None)],
)
def test_subject_token(subject: str | None, token: str | None) -> None:
    assert subject_token(subject) == token

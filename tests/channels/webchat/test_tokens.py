"""Visitor tokens: genuine ones verify, anything altered, made up, expired or signed elsewhere does not."""

from __future__ import annotations

import time

import pytest
from itsdangerous import TimestampSigner

from channels.webchat.tokens import VisitorClaim, VisitorTokens, new_visitor_id


def test_a_genuine_token_gives_back_its_claim() -> None:
    tokens = VisitorTokens("key-1", max_age_seconds=3600)
    claim = VisitorClaim(new_visitor_id(), "site")
    assert tokens.verify(tokens.issue(claim)) == claim


def test_visitor_ids_are_random_and_distinct() -> None:
    ids = {new_visitor_id() for _ in range(200)}
    assert len(ids) == 200 and all(len(i) >= 20 for i in ids)


def test_an_altered_token_is_refused() -> None:
    tokens = VisitorTokens("key-1", max_age_seconds=3600)
    genuine = tokens.issue(VisitorClaim("v-alice", "site"))
    payload, _, rest = genuine.partition(".")
    other = tokens.issue(VisitorClaim("v-mallory", "site")).partition(".")[0]
    assert tokens.verify(f"{other}.{rest}") is None
    assert tokens.verify(genuine[:-2] + ("xx" if not genuine.endswith("xx") else "yy")) is None
    assert payload


def test_tokens_signed_with_another_key_or_made_up_are_refused() -> None:
    ours, theirs = VisitorTokens("key-1", 3600), VisitorTokens("key-2", 3600)
    assert ours.verify(theirs.issue(VisitorClaim("v1", "site"))) is None
    assert ours.verify("") is None and ours.verify("not.a.token") is None
    assert ours.verify("x" * 5000) is None


def test_an_expired_token_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = VisitorTokens("key-1", max_age_seconds=60)
    issued_at = int(time.time()) - 3600
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda _self: issued_at)
    token = tokens.issue(VisitorClaim("v1", "site"))
    monkeypatch.undo()
    assert tokens.verify(token) is None

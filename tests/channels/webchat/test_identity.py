"""Identity verification: only the HMAC the host site computes with the inbox's secret is accepted."""

from __future__ import annotations

from channels.webchat.identity import external_identity, identity_hash, verify_identity


def test_the_sites_hmac_verifies() -> None:
    assert verify_identity("secret", "user-7", identity_hash("secret", "user-7"))
    assert verify_identity("secret", "user-7", identity_hash("secret", "user-7").upper())


def test_a_wrong_hmac_another_user_or_another_secret_fails() -> None:
    good = identity_hash("secret", "user-7")
    assert not verify_identity("secret", "user-8", good)
    assert not verify_identity("other", "user-7", good)
    assert not verify_identity("secret", "user-7", "0" * 64)
    assert not verify_identity("secret", "user-7", "")


def test_without_a_secret_nothing_is_verified() -> None:
    assert not verify_identity(None, "user-7", identity_hash("", "user-7"))
    assert not verify_identity("", "user-7", identity_hash("", "user-7"))


def test_external_ids_are_qualified_by_inbox() -> None:
    assert external_identity("shop", "42") != external_identity("blog", "42")

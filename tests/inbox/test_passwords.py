from __future__ import annotations

import pytest

from inbox.passwords import WeakPassword, hash_password, password_version, verify_password


def test_a_hash_verifies_only_its_password() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$") and "correct" not in stored
    assert verify_password(stored, "correct horse battery")
    assert not verify_password(stored, "correct horse batterY")


def test_missing_or_broken_hashes_never_verify() -> None:
    assert not verify_password(None, "anything at all")
    assert not verify_password("not-a-hash", "anything at all")


def test_short_passwords_are_refused() -> None:
    with pytest.raises(WeakPassword):
        hash_password("short")


def test_the_version_changes_with_the_hash() -> None:
    first, second = hash_password("correct horse battery"), hash_password("correct horse battery")
    assert password_version(first) != password_version(second)
    assert password_version(first) == password_version(first)

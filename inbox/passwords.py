"""Agents' passwords: argon2id hashes, checked in constant work whether or not the account exists."""

from __future__ import annotations

import hashlib
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()
MIN_LENGTH = 10


@cache
def _dummy_hash() -> str:
    """Checked against when the account does not exist, so a failed login costs the same either way and
    response times do not reveal which addresses have accounts."""
    return _HASHER.hash("an account that does not exist")


class WeakPassword(ValueError):
    pass


def hash_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"a password needs at least {MIN_LENGTH} characters")
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def rehash(password: str) -> str:
    """A fresh hash of a password already accepted at sign-in (no length rule: it predates the rule)."""
    return _HASHER.hash(password)


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's, so a login can upgrade it."""
    return _HASHER.check_needs_rehash(stored_hash)


def password_version(stored_hash: str | None) -> str:
    """A short fingerprint of the current hash: sessions remember it, so a password change signs them out."""
    return hashlib.sha256((stored_hash or "").encode()).hexdigest()[:16]

"""Normalization of customer identities, so one person's address always compares equal to itself."""

from __future__ import annotations

import phonenumbers

from channels.base import Identity, IdentityKind


class InvalidIdentity(ValueError):
    pass


def normalize_email(address: str) -> str:
    cleaned = address.strip().strip("<>").strip()
    local, sep, domain = cleaned.rpartition("@")
    if not sep or not local or not domain or " " in cleaned:
        raise InvalidIdentity(f"not an email address: {address!r}")
    return f"{local}@{domain}".lower()


def normalize_phone(number: str, default_region: str = "US") -> str:
    """E.164 form of a phone number; a number without a country code is read in ``default_region``."""
    try:
        parsed = phonenumbers.parse(number, default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidIdentity(f"not a phone number: {number!r}") from exc
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidIdentity(f"not a possible phone number: {number!r}")
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))


def normalize(kind: IdentityKind, value: str, default_region: str = "US") -> str:
    if kind is IdentityKind.EMAIL:
        return normalize_email(value)
    if kind in (IdentityKind.PHONE, IdentityKind.FAX):
        return normalize_phone(value, default_region)
    stripped = value.strip()
    if not stripped:
        raise InvalidIdentity(f"empty {kind.value} identity")
    return stripped


def make_identity(
    kind: IdentityKind, value: str, display_name: str | None = None, default_region: str = "US"
) -> Identity:
    return Identity(kind=kind, value=normalize(kind, value, default_region), display_name=display_name)

"""The identity behind a number Twilio reports on a webhook."""

from __future__ import annotations

from channels.base import Identity, IdentityKind
from channels.identities import InvalidIdentity, normalize_phone

ANONYMOUS = "anonymous"


def identity_from_twilio(raw: str, region: str) -> Identity:
    """A phone identity in E.164 when the value is a phone number.

    Short codes, alphanumeric sender ids, withheld numbers and ``client:`` identities are real parties but not
    phone numbers; they are kept as external identities with Twilio's value, so the message is still stored.
    """
    try:
        return Identity(kind=IdentityKind.PHONE, value=normalize_phone(raw, region))
    except InvalidIdentity:
        return Identity(kind=IdentityKind.EXTERNAL, value=raw.strip() or ANONYMOUS)


def number_or_raw(raw: str, region: str) -> str:
    try:
        return normalize_phone(raw, region)
    except InvalidIdentity:
        return raw.strip()

"""What staff see of a sensitive value until a permitted user reveals it, and what may leave the archive.

Sensitive values never go into logs, search text or outgoing payloads; anything building those starts from
``public_attributes`` and ``masked_profile`` rather than from the record itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from inbox.models import Contact
from inbox.models.sensitive import SENSITIVE_FIELDS

__all__ = ["MASK", "SENSITIVE_FIELDS", "mask", "masked_profile", "public_attributes"]

MASK = "••••"
# Fields whose last characters help staff confirm an identity over the phone without revealing it.
SHOWS_LAST_FOUR = frozenset({"id_document_number"})


def mask(field: str, value: object | None) -> str | None:
    if value is None:
        return None
    text = str(value)
    if field in SHOWS_LAST_FOUR and len(text) >= 8:
        return f"{MASK} {text[-4:]}"
    return MASK


def masked_profile(contact: Contact, sensitive_attributes: Iterable[str] = ()) -> dict[str, str | None]:
    """Each sensitive field and sensitive custom attribute, masked; absent values stay None."""
    masked = {field: mask(field, getattr(contact, field)) for field in SENSITIVE_FIELDS}
    attributes = contact.custom_attributes or {}
    for name in sensitive_attributes:
        if name in attributes:
            masked[f"custom_attributes.{name}"] = mask(name, attributes[name])
    return masked


def public_attributes(attributes: dict[str, Any] | None, sensitive_attributes: Iterable[str]) -> dict[str, Any]:
    """Custom attributes without the sensitive ones: the form fit for search text and outgoing payloads."""
    hidden = set(sensitive_attributes)
    return {name: value for name, value in (attributes or {}).items() if name not in hidden}

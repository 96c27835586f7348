"""The threading hints an inbound email carries, strongest first.

Matching them against stored conversations is the store's job; this module only reads them out of the headers:
our per-conversation reply address token, the ids in ``In-Reply-To`` and ``References``, and a ``[#1234]``
subject token.
"""

from __future__ import annotations

import re
from email.message import Message

from channels.base import ThreadHints
from channels.email.headers import addresses, header_text, message_ids

# Headers that may name the address the mail was delivered to; To and Cc miss it when we were Bcc'd or a
# forwarding rule rewrote the envelope.
_DELIVERY_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To")
_TOKEN = r"[A-Za-z0-9_-]{4,128}"
_SUBJECT_TOKEN = re.compile(r"\[#([A-Za-z0-9-]{1,32})\]")


def reply_address(token: str, domain: str, prefix: str = "reply") -> str:
    """The address a conversation's replies go to; the inverse of ``conversation_token``."""
    if not re.fullmatch(_TOKEN, token):
        raise ValueError(f"reply token must match {_TOKEN}: {token!r}")
    return f"{prefix}+{token}@{domain}"


def conversation_token(message: Message, domain: str | None, prefix: str = "reply") -> str | None:
    """The token from the first ``<prefix>+<token>@<domain>`` recipient; any domain is accepted when None."""
    pattern = re.compile(rf"^{re.escape(prefix)}\+({_TOKEN})@(.+)$", re.IGNORECASE)
    for _, address in addresses(message, *_DELIVERY_HEADERS):
        match = pattern.match(address.strip().strip("<>"))
        if match and (domain is None or match.group(2).lower() == domain.lower()):
            return match.group(1)
    return None


def referenced_ids(message: Message) -> tuple[str, ...]:
    """``In-Reply-To`` first, then ``References`` newest to oldest, without duplicates."""
    ordered: list[str] = []
    for value in message_ids(header_text(message, "In-Reply-To")):
        ordered.append(value)
    for value in reversed(message_ids(header_text(message, "References"))):
        ordered.append(value)
    return tuple(dict.fromkeys(ordered))


def subject_token(subject: str | None) -> str | None:
    if not subject:
        return None
    match = _SUBJECT_TOKEN.search(subject)
    return match.group(1) if match else None


def thread_hints(message: Message, subject: str | None, domain: str | None, prefix: str = "reply") -> ThreadHints:
    return ThreadHints(
        conversation_token=conversation_token(message, domain, prefix),
        references=referenced_ids(message),
        subject_token=subject_token(subject),
    )

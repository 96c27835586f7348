"""Header values from parsed mail that may carry raw 8-bit bytes, encoded words or outright garbage."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.errors import HeaderParseError
from email.header import Header, decode_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

from channels.email.charsets import decode_bytes

_WHITESPACE = re.compile(r"\s+")
_ANGLED = re.compile(r"<([^<>\s]+)>")


def header_text(message: Message, name: str) -> str | None:
    """The decoded, whitespace-collapsed value of the first ``name`` header, or None when absent."""
    value = message.get(name)
    if value is None:
        return None
    return decode_value(value)


def header_texts(message: Message, name: str) -> list[str]:
    return [decode_value(value) for value in message.get_all(name, [])]


def decode_value(value: str | Header) -> str:
    raw = str(value) if not isinstance(value, Header) else value.encode()
    try:
        chunks = decode_header(raw)
    except (HeaderParseError, ValueError, IndexError, LookupError, UnicodeError):
        return _WHITESPACE.sub(" ", raw).strip()
    parts: list[str] = []
    for chunk, charset in chunks:
        parts.append(decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk)
    # decode_header drops the whitespace between an encoded word and plain text only when both sides were
    # encoded;
    # joining the chunks verbatim keeps the sender's spacing in every other case.
    joined = "".join(parts) if all(isinstance(c, bytes) for c, _ in chunks) else " ".join(p.strip() for p in parts)
    return _WHITESPACE.sub(" ", joined.replace("\x00", "")).strip()


def addresses(message: Message, *names: str) -> list[tuple[str, str]]:
    """(display name, address) pairs from the given headers, skipping entries that hold no address."""
    values: list[str] = []
    for name in names:
        values.extend(header_texts(message, name))
    pairs: list[tuple[str, str]] = []
    for display, address in getaddresses(values):
        if "@" in address:
            pairs.append((display.strip(), address.strip()))
    return pairs


def normalize_message_id(value: str) -> str | None:
    """A Message-ID without brackets or whitespace, or None when nothing is left."""
    match = _ANGLED.search(value)
    cleaned = match.group(1) if match else _WHITESPACE.sub("", value).strip("<>")
    return cleaned or None


def message_ids(value: str | None) -> list[str]:
    """Every id in an ``In-Reply-To`` or ``References`` value, in order; unbracketed ids are accepted."""
    if not value:
        return []
    found = _ANGLED.findall(value)
    if not found:
        found = [token.strip("<>,;") for token in value.split() if "@" in token]
    return [item for item in found if item]


def header_date(message: Message) -> datetime | None:
    value = header_text(message, "Date")
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    # Naive dates (no zone, or "-0000") are read as UTC so they compare with everything else the store holds.
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)

"""Walking a MIME tree into text, HTML and attachments, within limits.

Alternatives contribute their richest rendering once; every other container contributes all of its parts in
order, so text split around inline images (as some clients send it) is kept whole.
"""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass, field
from email.generator import BytesGenerator
from email.message import Message
from io import BytesIO

from channels.base import Attachment, UnparseableInput
from channels.email.charsets import decode_bytes
from channels.email.config import ParseConfig
from channels.email.headers import decode_value, normalize_message_id

_UNSAFE_FILENAME = re.compile(r"[\x00-\x1f\x7f/\\]+")


@dataclass(slots=True)
class Bodies:
    text_parts: list[str] = field(default_factory=list)
    html_parts: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\n".join(part.strip("\n") for part in self.text_parts if part.strip())

    @property
    def html(self) -> str | None:
        joined = "\n".join(part for part in self.html_parts if part.strip())
        return joined or None

    def extend(self, other: Bodies) -> None:
        self.text_parts.extend(other.text_parts)
        self.html_parts.extend(other.html_parts)
        self.attachments.extend(other.attachments)


class _Walker:
    def __init__(self, config: ParseConfig) -> None:
        self._config = config
        self._parts_seen = 0

    def walk(self, part: Message, depth: int) -> Bodies:
        self._parts_seen += 1
        if self._parts_seen > self._config.max_parts:
            raise UnparseableInput(f"more than {self._config.max_parts} MIME parts")
        if depth > self._config.max_depth:
            raise UnparseableInput(f"MIME nesting deeper than {self._config.max_depth} levels")
        content_type = part.get_content_type()
        if part.is_multipart() and content_type.startswith("multipart/"):
            children = _children(part)
            if content_type == "multipart/alternative":
                return self._alternative(children, depth)
            bodies = Bodies()
            for child in children:
                bodies.extend(self.walk(child, depth + 1))
            return bodies
        return self._leaf(part, content_type)

    def _alternative(self, children: list[Message], depth: int) -> Bodies:
        # Senders order alternatives from plainest to richest, so the last rendering of each kind wins.
        chosen = Bodies()
        text: list[str] = []
        html: list[str] = []
        for child in children:
            rendering = self.walk(child, depth + 1)
            text = rendering.text_parts or text
            html = rendering.html_parts or html
            chosen.attachments.extend(rendering.attachments)
        chosen.text_parts, chosen.html_parts = text, html
        return chosen

    def _leaf(self, part: Message, content_type: str) -> Bodies:
        bodies = Bodies()
        disposition = (part.get_content_disposition() or "").lower()
        filename = _filename(part)
        is_body_text = content_type in ("text/plain", "text/html") and disposition != "attachment" and not filename
        if is_body_text:
            text = decode_bytes(_payload_bytes(part), _charset(part))
            (bodies.html_parts if content_type == "text/html" else bodies.text_parts).append(text)
            return bodies
        data = _payload_bytes(part)
        if len(data) > self._config.max_attachment_bytes:
            raise UnparseableInput(
                f"attachment {filename or content_type} is {len(data)} bytes, over the "
                f"{self._config.max_attachment_bytes}-byte limit"
            )
        content_id = _content_id(part)
        bodies.attachments.append(
            Attachment(
                filename=filename or _default_filename(part, content_type, len(bodies.attachments)),
                content_type=content_type,
                data=data,
                content_id=content_id,
                inline=disposition == "inline" or (disposition != "attachment" and content_id is not None),
            )
        )
        return bodies


def collect_bodies(message: Message, config: ParseConfig) -> Bodies:
    try:
        return _Walker(config).walk(message, 0)
    except RecursionError as exc:
        raise UnparseableInput("MIME structure too deeply nested to read") from exc


def _children(part: Message) -> list[Message]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [child for child in payload if isinstance(child, Message)]
    return []


def _charset(part: Message) -> str | None:
    charset = part.get_param("charset")
    if isinstance(charset, tuple):
        # RFC 2231 encoded parameter: (charset, language, value).
        return str(charset[2])
    return charset if isinstance(charset, str) else None


def _payload_bytes(part: Message) -> bytes:
    if part.get_content_maintype() == "message" or part.is_multipart():
        return _serialize(part)
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return payload
    raw = part.get_payload()
    return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""


def _serialize(part: Message) -> bytes:
    """The enclosed content of a message/* part as bytes, so forwarded mail and reports stay openable."""
    payload = part.get_payload()
    if isinstance(payload, list):
        # message/rfc822 holds one message; message/delivery-status holds several header blocks.
        return b"\n".join(_flatten(inner) for inner in payload if isinstance(inner, Message))
    return payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""


def _flatten(message: Message) -> bytes:
    buffer = BytesIO()
    try:
        BytesGenerator(buffer, mangle_from_=False).flatten(message, unixfrom=False)
    except (TypeError, ValueError, LookupError, UnicodeError, AttributeError):
        return str(message).encode("utf-8", "surrogateescape")
    return buffer.getvalue()


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename() or part.get_param("name")
    except (ValueError, LookupError, UnicodeError):
        return None
    if isinstance(name, tuple):
        name = decode_bytes(str(name[2]).encode("latin-1", "replace"), str(name[0] or "utf-8"))
    if not isinstance(name, str):
        return None
    cleaned = _UNSAFE_FILENAME.sub("_", decode_value(name)).strip(" .")
    return cleaned[:255] or None


def _default_filename(part: Message, content_type: str, index: int) -> str:
    if content_type == "message/rfc822":
        inner = part.get_payload()
        subject = None
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            value = inner[0].get("Subject")
            subject = decode_value(value) if value is not None else None
        stem = _UNSAFE_FILENAME.sub("_", subject or "").strip(" .")[:100]
        return f"{stem or 'message'}.eml"
    extension = mimetypes.guess_extension(content_type) or ".bin"
    return f"part-{index + 1}{extension}"


def _content_id(part: Message) -> str | None:
    value = part.get("Content-ID")
    if value is None:
        return None
    return normalize_message_id(decode_value(value))

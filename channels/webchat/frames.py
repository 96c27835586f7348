"""Visitor frames turned into normalized messages, with no I/O: the "parse" half of the web chat adapter.

What the store keeps as a message's raw payload is an envelope around the visitor's frame (who sent it, on which
inbox, from where), so ``parse`` can rebuild the very same ``InboundMessage`` from it later.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any

from channels.base import (
    Attachment,
    ChannelName,
    Identity,
    IdentityKind,
    InboundMessage,
    ThreadHints,
    UnparseableInput,
)

CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
EMAIL = re.compile(r"^[^@\s<>\"]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,}$")
MAX_NAME_CHARS = 100
# File types a browser can preview safely, recognised by their first bytes rather than by the name given.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "application/pdf": (b"%PDF-",),
}


class FrameRefused(Exception):
    """A frame the visitor must be told about; ``code`` picks the widget's wording."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Limits:
    max_text_chars: int
    max_upload_bytes: int


def sniff(data: bytes) -> str | None:
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    for content_type, prefixes in SIGNATURES.items():
        if data.startswith(prefixes):
            return content_type
    return None


def clean_name(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    name = " ".join(value.split())[:MAX_NAME_CHARS]
    return name or None


def clean_email(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    email = value.strip()
    return email.lower() if EMAIL.match(email) else None


def envelope(visitor_id: str, inbox: str, name: str | None, frame: dict[str, Any], ip: str) -> bytes:
    body = {"visitor": visitor_id, "inbox": inbox, "name": name, "ip": ip, "frame": frame}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def external_id(visitor_id: str, client_id: str) -> str:
    return f"{visitor_id}:{client_id}"


def parse_envelope(raw: bytes, limits: Limits) -> InboundMessage:
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as error:
        raise UnparseableInput(f"a web chat payload that is not JSON: {error}") from error
    if not isinstance(body, dict) or not isinstance(body.get("frame"), dict):
        raise UnparseableInput("a web chat payload without a frame")
    visitor, inbox, frame = body.get("visitor"), body.get("inbox"), body["frame"]
    if not isinstance(visitor, str) or not isinstance(inbox, str):
        raise UnparseableInput("a web chat payload without its visitor and inbox")
    try:
        return to_message(visitor, inbox, clean_name(body.get("name")), frame, limits, raw)
    except FrameRefused as refused:
        raise UnparseableInput(refused.message) from refused


def to_message(
    visitor_id: str, inbox: str, name: str | None, frame: dict[str, Any], limits: Limits, raw: bytes
) -> InboundMessage:
    client_id = frame.get("cid")
    if not isinstance(client_id, str) or not CLIENT_ID.match(client_id):
        raise FrameRefused("bad_frame", "each message needs a client id of letters, digits, - or _")
    text = frame.get("text", "")
    if not isinstance(text, str):
        raise FrameRefused("bad_frame", "the text must be a string")
    text = text.strip()
    if len(text) > limits.max_text_chars:
        raise FrameRefused("too_long", f"messages are limited to {limits.max_text_chars} characters")
    attachments = tuple(_attachment(item, limits) for item in _files(frame))
    if not text and not attachments:
        raise FrameRefused("empty", "the message is empty")
    return InboundMessage(
        channel=ChannelName.WEBCHAT,
        external_id=external_id(visitor_id, client_id),
        sender=Identity(IdentityKind.WEBCHAT, visitor_id, name),
        recipient=inbox,
        text=text,
        attachments=attachments,
        thread=ThreadHints(session_key=visitor_id),
        raw=raw,
        metadata={"inbox": inbox},
    )


def _files(frame: dict[str, Any]) -> list[dict[str, Any]]:
    file = frame.get("file")
    if file is None:
        return []
    if not isinstance(file, dict):
        raise FrameRefused("bad_file", "the file could not be read")
    return [file]


def _attachment(file: dict[str, Any], limits: Limits) -> Attachment:
    encoded = file.get("data")
    if not isinstance(encoded, str) or len(encoded) > limits.max_upload_bytes * 4 // 3 + 8:
        raise FrameRefused("too_large", f"files are limited to {limits.max_upload_bytes // (1024 * 1024)} MB")
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as error:
        raise FrameRefused("bad_file", "the file could not be read") from error
    if len(data) > limits.max_upload_bytes:
        raise FrameRefused("too_large", f"files are limited to {limits.max_upload_bytes // (1024 * 1024)} MB")
    content_type = sniff(data)
    if content_type is None:
        raise FrameRefused("bad_type", "only images (PNG, JPEG, GIF, WebP) and PDF files can be sent")
    name = clean_name(file.get("name")) or "file"
    return Attachment(filename=name.replace("/", "_").replace("\\", "_"), content_type=content_type, data=data)

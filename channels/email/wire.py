"""Outbound mail written straight to wire bytes, for the common shape: text and HTML alternatives, no attachments.

Building ``email.message`` objects and running them through the generator costs most of a millisecond per
message, more than everything else a campaign spends per recipient. This writer produces the very bytes that
``compose_email`` followed by ``ComposedEmail.as_bytes`` would (the tests hold the two equal, boundary aside):
the same headers in the same order, short ASCII header lines written as they are and every other header folded
by the same policy the generator uses, the same transfer encodings. A message with attachments is not written
here (``compose_wire`` returns None) and goes the general way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, getaddresses

from channels.base import OutboundMessage
from channels.email.compose import (
    _MAX_REFERENCES,
    _UTF8,
    _WIRE_POLICY,
    _address,
    _boundary,
    _text_header,
    _token_reply_address,
    new_message_id,
)
from channels.email.config import ComposeConfig
from channels.email.headers import normalize_message_id
from channels.email.render import render_body

# The generator's own line-end pattern: any of CRLF, CR or LF becomes CRLF on the wire.
_LINE_END = re.compile(r"\r\n|\r|\n")
# compat32 folds header lines longer than this; shorter ASCII lines come out exactly as given.
_MAX_LINE = 78
# The top Content-Type line is always too long to stand unfolded, and folding it anew costs more than the rest
# of the headers together. It is folded once here around a stand-in boundary of the composer's shape; folding
# breaks only at spaces, commas and semicolons, so any boundary of that shape folds the same way.
_STAND_IN = "=_" + "0" * 32
_BOUNDARY_SHAPE = re.compile(r"=_[0-9a-f]{32}")
_FOLDED_CONTENT_TYPE = _WIRE_POLICY.fold_binary(
    "Content-Type", f'multipart/alternative; boundary="{_STAND_IN}"'
).decode("ascii")


@dataclass(frozen=True, slots=True)
class WireEmail:
    data: bytes
    message_id: str  # without angle brackets, like ComposedEmail.message_id
    recipients: tuple[str, ...]
    sender: str


def compose_wire(outbound: OutboundMessage, config: ComposeConfig, *, now: datetime | None = None) -> WireEmail | None:
    """The message as ``compose_email(...).as_bytes()`` would write it; None when it carries attachments."""
    if outbound.attachments:
        return None
    metadata = outbound.metadata
    message_id = new_message_id(outbound, config.message_id_domain)
    body = render_body(
        config.template_dir,
        metadata.get("template", "reply"),
        text=outbound.text,
        html=outbound.html,
        context={
            "subject": outbound.subject or "",
            "signature": metadata.get("signature", ""),
            "reference": metadata.get("reference", ""),
            "business_name": config.business_name,
            "lang": metadata.get("lang", "en"),
            "unsubscribe_url": metadata.get("unsubscribe_url", ""),
        },
    )
    boundary = _boundary()
    sender = outbound.sender_address or config.from_address
    headers: list[tuple[str, str]] = [
        ("MIME-Version", "1.0"),
        ("From", _address(config.from_name, sender)),
        ("To", _address(outbound.to.display_name, outbound.to.value)),
    ]
    cc = getaddresses(list(outbound.cc))
    if cc:
        headers.append(("Cc", ", ".join(_address(name, address) for name, address in cc)))
    reply_to = outbound.reply_to or _token_reply_address(config, metadata.get("conversation_token"))
    if reply_to:
        headers.append(("Reply-To", reply_to))
    headers.append(("Subject", _text_header(outbound.subject or "")))
    headers.append(("Date", format_datetime(now or datetime.now(UTC))))
    headers.append(("Message-ID", f"<{message_id}>"))
    headers.extend(_threading(outbound))
    if metadata.get("list_unsubscribe"):
        headers.append(("List-Unsubscribe", metadata["list_unsubscribe"]))
        if metadata.get("list_unsubscribe_post"):
            headers.append(("List-Unsubscribe-Post", metadata["list_unsubscribe_post"]))
    if metadata.get("auto_submitted"):
        headers.append(("Auto-Submitted", "auto-replied"))
    wire = "".join(
        (
            _content_type_line(boundary),
            *(_header_line(name, value) for name, value in headers),
            "\r\n",
            f"--{boundary}\r\n",
            _text_part(body.text, "plain"),
            f"\r\n--{boundary}\r\n",
            _text_part(body.html, "html"),
            f"\r\n--{boundary}--\r\n",
        )
    )
    recipients = (outbound.to.value, *(address for _, address in cc if address))
    return WireEmail(
        data=wire.encode("ascii"),
        message_id=message_id,
        recipients=tuple(dict.fromkeys(recipients)),
        sender=sender,
    )


def _content_type_line(boundary: str) -> str:
    if _BOUNDARY_SHAPE.fullmatch(boundary):
        return _FOLDED_CONTENT_TYPE.replace(_STAND_IN, boundary)
    return _header_line("Content-Type", f'multipart/alternative; boundary="{boundary}"')


def _header_line(name: str, value: str) -> str:
    if value.isascii() and len(name) + 2 + len(value) <= _MAX_LINE and "\n" not in value and "\r" not in value:
        return f"{name}: {value}\r\n"
    # Long or non-ASCII: folded by the generator's own policy, so the result cannot differ from it.
    return _WIRE_POLICY.fold_binary(name, value).decode("ascii", "surrogateescape")


def _text_part(text: str, subtype: str) -> str:
    if text.isascii():
        head = f'Content-Type: text/{subtype}; charset="us-ascii"\r\nMIME-Version: 1.0\r\n'
        return f"{head}Content-Transfer-Encoding: 7bit\r\n\r\n{_crlf(text)}"
    head = f'Content-Type: text/{subtype}; charset="utf-8"\r\nMIME-Version: 1.0\r\n'
    encoded = _UTF8.body_encode(text.encode("utf-8"))
    return f"{head}Content-Transfer-Encoding: quoted-printable\r\n\r\n{_crlf(encoded or '')}"


def _crlf(text: str) -> str:
    return "\r\n".join(_LINE_END.split(text))


def _threading(outbound: OutboundMessage) -> list[tuple[str, str]]:
    ids = [i for i in (normalize_message_id(value) for value in outbound.references) if i]
    parent = normalize_message_id(outbound.in_reply_to) if outbound.in_reply_to else None
    headers: list[tuple[str, str]] = []
    if parent:
        headers.append(("In-Reply-To", f"<{parent}>"))
        ids = [i for i in ids if i != parent] + [parent]
    ids = list(dict.fromkeys(ids))
    if len(ids) > _MAX_REFERENCES:
        ids = [ids[0], *ids[-(_MAX_REFERENCES - 1) :]]
    if ids:
        headers.append(("References", " ".join(f"<{i}>" for i in ids)))
    return headers

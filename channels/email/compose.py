"""Outbound MIME built from an ``OutboundMessage``, with no I/O.

The message is assembled with the lenient compat32 classes, whose headers are plain strings: building and
serializing it costs a fraction of the header-object API, which matters when thousands of replies go out.

We mint the Message-ID so the store knows it before the mail leaves: a customer's reply quotes it in
``In-Reply-To``/``References`` and threads back without relying on the reply address alone. A retried send
must pass the id it got the first time as ``external_id_hint`` so the customer never sees two different ids.

``OutboundMessage.metadata`` keys read here: ``template`` (default ``reply``), ``signature``, ``reference``
(shown in the footer, e.g. a ticket number), ``lang``, ``conversation_token`` (builds the Reply-To when
``reply_to`` is not given), ``auto_submitted`` (sets ``Auto-Submitted: auto-replied`` on automatic answers so
other robots stay quiet), ``list_unsubscribe`` and ``list_unsubscribe_post`` (bulk mail's unsubscribe headers)
and ``unsubscribe_url`` (offered in the campaign template's footer).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email import encoders
from email.charset import QP, Charset
from email.generator import BytesGenerator
from email.header import Header
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import format_datetime, formataddr, getaddresses
from io import BytesIO

from channels.base import Attachment, OutboundMessage
from channels.email.config import ComposeConfig
from channels.email.headers import normalize_message_id
from channels.email.render import render_body
from channels.email.threading import reply_address

# Quoted-printable keeps mostly-Latin text readable in the raw source; base64 would hide it entirely.
_UTF8 = Charset("utf-8")
_UTF8.body_encoding = QP
_WIRE_POLICY = compat32.clone(linesep="\r\n")

# Long threads would otherwise grow References without bound; RFC 5322 suggests keeping the first and the
# latest.
_MAX_REFERENCES = 20


@dataclass(frozen=True, slots=True)
class ComposedEmail:
    message: Message
    message_id: str  # without angle brackets, as the store keeps every Message-ID
    recipients: tuple[str, ...]
    sender: str

    def as_bytes(self) -> bytes:
        """The message as it goes on the wire (CRLF line ends)."""
        buffer = BytesIO()
        BytesGenerator(buffer, mangle_from_=False, policy=_WIRE_POLICY).flatten(self.message)
        return buffer.getvalue()


def new_message_id(outbound: OutboundMessage, domain: str) -> str:
    if outbound.external_id_hint:
        existing = normalize_message_id(outbound.external_id_hint)
        if existing:
            return existing
    return f"{outbound.message_id}.{secrets.token_hex(10)}@{domain}"


def compose_email(outbound: OutboundMessage, config: ComposeConfig, *, now: datetime | None = None) -> ComposedEmail:
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
    message = _body_tree(body.text, body.html, outbound.attachments)
    sender = outbound.sender_address or config.from_address
    message["From"] = _address(config.from_name, sender)
    message["To"] = _address(outbound.to.display_name, outbound.to.value)
    cc = getaddresses(list(outbound.cc))
    if cc:
        message["Cc"] = ", ".join(_address(name, address) for name, address in cc)
    reply_to = outbound.reply_to or _token_reply_address(config, metadata.get("conversation_token"))
    if reply_to:
        message["Reply-To"] = reply_to
    message["Subject"] = _text_header(outbound.subject or "")
    message["Date"] = format_datetime(now or datetime.now(UTC))
    message["Message-ID"] = f"<{message_id}>"
    _set_threading(message, outbound)
    # Bulk mail (campaigns): one-click unsubscribe as RFC 2369 and RFC 8058 describe it.
    if metadata.get("list_unsubscribe"):
        message["List-Unsubscribe"] = metadata["list_unsubscribe"]
        if metadata.get("list_unsubscribe_post"):
            message["List-Unsubscribe-Post"] = metadata["list_unsubscribe_post"]
    if metadata.get("auto_submitted"):
        message["Auto-Submitted"] = "auto-replied"
    recipients = (outbound.to.value, *(address for _, address in cc if address))
    return ComposedEmail(
        message=message, message_id=message_id, recipients=tuple(dict.fromkeys(recipients)), sender=sender
    )


def _body_tree(text: str, html: str, attachments: Iterable[Attachment]) -> Message:
    inline = [a for a in attachments if a.inline and a.content_id]
    attached = [a for a in attachments if not (a.inline and a.content_id)]
    html_part: Message = _text_part(html, "html")
    if inline:
        # Inline images travel with the HTML in multipart/related so cid: references resolve.
        related = MIMEMultipart("related", boundary=_boundary())
        related.attach(html_part)
        for attachment in inline:
            related.attach(_attachment_part(attachment, inline=True))
        html_part = related
    alternative = MIMEMultipart("alternative", boundary=_boundary())
    alternative.attach(_text_part(text, "plain"))
    alternative.attach(html_part)
    if not attached:
        return alternative
    mixed = MIMEMultipart("mixed", boundary=_boundary())
    mixed.attach(alternative)
    for attachment in attached:
        mixed.attach(_attachment_part(attachment, inline=False))
    return mixed


def _attachment_part(attachment: Attachment, *, inline: bool) -> MIMEBase:
    maintype, _, subtype = attachment.content_type.partition("/")
    if not subtype:
        maintype, subtype = "application", "octet-stream"
    part = MIMEBase(maintype, subtype)
    part.set_payload(attachment.data)
    encoders.encode_base64(part)
    filename: str | tuple[str, str, str] = attachment.filename
    if not attachment.filename.isascii():
        filename = ("utf-8", "", attachment.filename)  # RFC 2231, read by every current client
    part.add_header("Content-Disposition", "inline" if inline else "attachment", filename=filename)
    if attachment.content_id:
        part["Content-ID"] = f"<{attachment.content_id}>"
    return part


def _boundary() -> str:
    # Chosen here rather than by the generator, which would otherwise compile a fresh regular expression per
    # message to prove its own random boundary unused. "=_" cannot occur in quoted-printable or base64 output,
    # and 128 random bits cannot be guessed by someone typing plain text.
    return f"=_{secrets.token_hex(16)}"


def _text_part(text: str, subtype: str) -> Message:
    if text.isascii():
        return MIMEText(text, subtype, "us-ascii")
    part = MIMENonMultipart("text", subtype, charset="utf-8")
    part.set_payload(text, _UTF8)
    return part


def _text_header(value: str) -> str:
    return value if value.isascii() else Header(value, "utf-8").encode()


def _address(name: str | None, address: str) -> str:
    return formataddr((name or "", address), charset="utf-8")


def _token_reply_address(config: ComposeConfig, token: str | None) -> str | None:
    if not token or not config.reply_domain:
        return None
    return reply_address(token, config.reply_domain, config.reply_prefix)


def _set_threading(message: Message, outbound: OutboundMessage) -> None:
    ids = [i for i in (normalize_message_id(value) for value in outbound.references) if i]
    parent = normalize_message_id(outbound.in_reply_to) if outbound.in_reply_to else None
    if parent:
        message["In-Reply-To"] = f"<{parent}>"
        ids = [i for i in ids if i != parent] + [parent]
    ids = list(dict.fromkeys(ids))
    if len(ids) > _MAX_REFERENCES:
        ids = [ids[0], *ids[-(_MAX_REFERENCES - 1) :]]
    if ids:
        message["References"] = " ".join(f"<{i}>" for i in ids)

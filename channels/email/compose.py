"""Outbound MIME built from an ``OutboundMessage``, with no I/O.

We mint the Message-ID so the store knows it before the mail leaves: a customer's reply quotes it in
``In-Reply-To``/``References`` and threads back without relying on the reply address alone. A retried send
must
pass the id it got the first time as ``external_id_hint`` so the customer never sees two different ids.

``OutboundMessage.metadata`` keys read here: ``template`` (default ``reply``), ``signature``, ``reference``
(shown
in the footer, e.g. a ticket number), ``lang``, ``conversation_token`` (builds the Reply-To when ``reply_to``
is not
given), ``auto_submitted`` (sets ``Auto-Submitted: auto-replied`` on automatic answers so other robots stay
quiet).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr

from channels.base import Attachment, OutboundMessage
from channels.email.config import ComposeConfig
from channels.email.headers import normalize_message_id
from channels.email.render import render_body
from channels.email.threading import reply_address

# Long threads would otherwise grow References without bound; RFC 5322 suggests keeping the first and the
# latest.
_MAX_REFERENCES = 20


@dataclass(frozen=True, slots=True)
class ComposedEmail:
    message: EmailMessage
    message_id: str  # without angle brackets, as the store keeps every Message-ID
    recipients: tuple[str, ...]


def new_message_id(outbound: OutboundMessage, domain: str) -> str:
    if outbound.external_id_hint:
        existing = normalize_message_id(outbound.external_id_hint)
        if existing:
            return existing
    return f"{outbound.message_id}.{secrets.token_hex(10)}@{domain}"


def compose_email(
    outbound: OutboundMessage, config: ComposeConfig, *, now: datetime | None = None
) -> ComposedEmail:
    metadata = outbound.metadata
    message_id = new_message_id(outbound, config.message_id_domain)
    message = EmailMessage()
    message["From"] = formataddr((config.from_name or "", outbound.sender_address or config.from_address))
    message["To"] = formataddr((outbound.to.display_name or "", outbound.to.value))
    if outbound.cc:
        message["Cc"] = ", ".join(outbound.cc)
    reply_to = outbound.reply_to or _token_reply_address(config, metadata.get("conversation_token"))
    if reply_to:
        message["Reply-To"] = reply_to
    message["Subject"] = outbound.subject or ""
    message["Date"] = format_datetime(now or datetime.now(UTC))
    message["Message-ID"] = f"<{message_id}>"
    _set_threading(message, outbound)
    if metadata.get("auto_submitted"):
        message["Auto-Submitted"] = "auto-replied"

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
        },
    )
    message.set_content(body.text, subtype="plain", charset="utf-8")
    message.add_alternative(body.html, subtype="html", charset="utf-8")
    _attach(message, outbound.attachments)
    recipients = (outbound.to.value, *(_bare(address) for address in outbound.cc))
    return ComposedEmail(message=message, message_id=message_id, recipients=tuple(dict.fromkeys(recipients)))


def _token_reply_address(config: ComposeConfig, token: str | None) -> str | None:
    if not token or not config.reply_domain:
        return None
    return reply_address(token, config.reply_domain, config.reply_prefix)


def _set_threading(message: EmailMessage, outbound: OutboundMessage) -> None:
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


def _attach(message: EmailMessage, attachments: tuple[Attachment, ...]) -> None:
    html_part = _html_part(message)
    for attachment in attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        if not subtype:
            maintype, subtype = "application", "octet-stream"
        if attachment.inline and attachment.content_id and html_part is not None:
            # Inline images travel with the HTML in multipart/related so cid: references resolve.
            html_part.add_related(
                attachment.data,
                maintype=maintype,
                subtype=subtype,
                cid=f"<{attachment.content_id}>",
                filename=attachment.filename,
                disposition="inline",
            )
            continue
        message.add_attachment(
            attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename
        )


def _html_part(message: EmailMessage) -> EmailMessage | None:
    for part in message.walk():
        if isinstance(part, EmailMessage) and part.get_content_type() == "text/html":
            return part
    return None


def _bare(address: str) -> str:
    _, addr_spec = parseaddr(address)
    return addr_spec or address.strip().strip("<>")

"""Raw RFC 5322 bytes to a normalized ``InboundMessage``, with no I/O.

Parsing is deliberately lenient (the compat32 policy keeps odd headers as they are) and bounded (size, part
count and depth limits), so that anything a mail server accepted is either read or quarantined with a reason
an operator can act on.

Besides the base fields, ``metadata`` carries:

* ``visible_text``: what the sender wrote for this message, without quoted history or signature (the full body
  stays in ``text``/``html``);
* ``message_id``, ``in_reply_to``: the ids as sent (``external_id`` is the Message-ID without brackets, or
  ``sha256:<hex>`` of the raw bytes when the sender gave none);
* ``from``, ``to``, ``cc``, ``reply_to``: comma-separated addresses;
* ``automatic_reason`` when ``is_automatic`` is set, ``delivery_report`` = ``"1"`` for bounces;
* ``text_truncated`` = ``"1"`` when the text body exceeded the configured limit.
"""

from __future__ import annotations

import hashlib
import re
from email.errors import MessageError
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32

from channels.base import ChannelName, Identity, IdentityKind, InboundMessage, MessageKind, UnparseableInput
from channels.email.automatic import automatic_reason
from channels.email.bodies import collect_bodies
from channels.email.bounce import is_delivery_report
from channels.email.config import ParseConfig
from channels.email.headers import addresses, header_date, header_text, normalize_message_id
from channels.email.reply import visible_reply
from channels.email.threading import thread_hints
from channels.html import html_to_text, sanitize_html
from channels.identities import InvalidIdentity, make_identity

_DEFAULT_CONFIG = ParseConfig()
_LOOSE_ADDRESS = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def read_message(raw: bytes, config: ParseConfig = _DEFAULT_CONFIG) -> Message:
    """The parsed MIME tree, after the checks that make the input worth parsing at all."""
    if len(raw) > config.max_message_bytes:
        raise UnparseableInput(f"message is {len(raw)} bytes, over the {config.max_message_bytes}-byte limit")
    if not raw.strip():
        raise UnparseableInput("empty message")
    try:
        message = BytesParser(policy=compat32).parsebytes(raw)
    except (MessageError, RecursionError, ValueError, LookupError, UnicodeError) as exc:
        raise UnparseableInput(f"MIME structure could not be read: {exc}") from exc
    if not message.keys():
        raise UnparseableInput("no header section: not an email message")
    return message


def parse_email(raw: bytes, config: ParseConfig = _DEFAULT_CONFIG) -> InboundMessage:
    message = read_message(raw, config)
    sender = _sender(message, config)
    subject = header_text(message, "Subject")
    bodies = collect_bodies(message, config)

    html = (sanitize_html(bodies.html).strip() or None) if bodies.html else None
    text = bodies.text or (html_to_text(html) if html else "")
    metadata: dict[str, str] = {}
    if len(text) > config.max_text_chars:
        text = text[: config.max_text_chars]
        metadata["text_truncated"] = "1"
    metadata["visible_text"] = visible_reply(text)

    message_id = header_text(message, "Message-ID")
    external_id = normalize_message_id(message_id) if message_id else None
    if message_id:
        metadata["message_id"] = message_id
    in_reply_to = header_text(message, "In-Reply-To")
    if in_reply_to:
        metadata["in_reply_to"] = in_reply_to
    for key, names in (("from", ("From",)), ("to", ("To",)), ("cc", ("Cc",)), ("reply_to", ("Reply-To",))):
        found = addresses(message, *names)
        if found:
            metadata[key] = ", ".join(address for _, address in found)

    reason = automatic_reason(message, subject)
    report = is_delivery_report(message)
    if reason:
        metadata["automatic_reason"] = reason
    if report:
        metadata["delivery_report"] = "1"

    return InboundMessage(
        channel=ChannelName.EMAIL,
        external_id=external_id or "sha256:" + hashlib.sha256(raw).hexdigest(),
        sender=sender,
        recipient=_recipient(message, config),
        subject=subject,
        text=text,
        html=html,
        attachments=tuple(bodies.attachments),
        thread=thread_hints(message, subject, config.reply_domain, config.reply_prefix),
        received_at=header_date(message),
        raw=raw,
        kind=MessageKind.SYSTEM if report else MessageKind.MESSAGE,
        is_automatic=reason is not None or report,
        metadata=metadata,
    )


def _sender(message: Message, config: ParseConfig) -> Identity | None:
    # From names the author; Sender and Reply-To stand in when From is missing or unreadable.
    for name in ("From", "Sender", "Reply-To", "Return-Path"):
        candidates = addresses(message, name)
        # "Name addr@host" without angle brackets defeats the address parser; the bare address is still there.
        loose = _LOOSE_ADDRESS.findall(header_text(message, name) or "")
        candidates.extend(("", address) for address in loose)
        for display, address in candidates:
            try:
                return make_identity(IdentityKind.EMAIL, address, display or None, config.default_region)
            except InvalidIdentity:
                continue
    if is_delivery_report(message):
        # Reports from mailer daemons often carry no author; their meaning is the delivery update, not a
        # sender.
        return None
    raise UnparseableInput("no usable sender address in From, Sender, Reply-To or Return-Path")


def _recipient(message: Message, config: ParseConfig) -> str | None:
    headers = ("Delivered-To", "X-Original-To", "To", "Cc")
    seen = [address.strip("<>").lower() for _, address in addresses(message, *headers)]
    ours = {address.lower() for address in config.inbox_addresses}
    return next((address for address in seen if address in ours), seen[0] if seen else None)

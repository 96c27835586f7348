"""A gateway's confirmation or failure mail for a fax we sent, as a delivery update.

Gateways answer the mail that carried the fax, so ``In-Reply-To``/``References`` name our Message-ID; those
that start a new mail usually quote the original subject or headers in the body, where our id is looked for
next.
"""

from __future__ import annotations

import re
from email.message import Message

from channels.base import ChannelName, DeliveryStatus, DeliveryUpdate
from channels.email.bodies import collect_bodies
from channels.email.config import ComposeConfig, ParseConfig
from channels.email.headers import header_text, message_ids

_FAILURE = re.compile(
    r"\b(failed|failure|not (?:been )?(?:sent|delivered)|unsuccessful|could not be (?:sent|delivered)|"
    r"no answer|busy|rejected|aborted)\b",
    re.IGNORECASE,
)
_SUCCESS = re.compile(
    r"\b(completed|delivered|sent successfully|successfully (?:sent|delivered)|success|confirmation)\b",
    re.IGNORECASE,
)
_REASON_LINE = re.compile(r"^\s*(?:reason|error|status|result)\s*:\s*(?P<reason>.+?)\s*$", re.IGNORECASE | re.M)
_LIMITS = ParseConfig(max_parts=50, max_attachment_bytes=5 * 1024 * 1024)


def gateway_delivery_update(message: Message, compose_config: ComposeConfig) -> DeliveryUpdate | None:
    """None when the mail is not a status notice about a fax we can identify."""
    subject = header_text(message, "Subject") or ""
    text = collect_bodies(message, _LIMITS).text
    reference = _our_reference(message, text, compose_config.message_id_domain)
    if reference is None:
        return None
    if _FAILURE.search(subject) or (not _SUCCESS.search(subject) and _FAILURE.search(text)):
        found = _REASON_LINE.search(text)
        reason = found.group("reason") if found else subject or "The fax gateway reported a failure."
        return DeliveryUpdate(channel=ChannelName.FAX, status=DeliveryStatus.FAILED, reference=reference, reason=reason)
    if _SUCCESS.search(subject) or _SUCCESS.search(text):
        return DeliveryUpdate(channel=ChannelName.FAX, status=DeliveryStatus.DELIVERED, reference=reference)
    return None


def _our_reference(message: Message, text: str, domain: str) -> str | None:
    suffix = "@" + domain.lower()
    quoted = [
        *message_ids(header_text(message, "In-Reply-To")),
        *message_ids(header_text(message, "References")),
    ]
    quoted += re.findall(r"<([^<>\s]+@[^<>\s]+)>", text)
    quoted += re.findall(r"[\w.+-]+" + re.escape(suffix), text, re.IGNORECASE)
    return next((value for value in quoted if value.lower().endswith(suffix)), None)

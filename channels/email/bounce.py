"""Delivery status notifications (RFC 3464) turned into delivery updates for the messages we sent.

A bounce names the failed recipients in a ``message/delivery-status`` part and usually returns the original
message, or its headers, next to it; that original Message-ID is how the store finds our outbound message.
"""

from __future__ import annotations

import re
from email import message_from_bytes
from email.message import Message
from email.parser import HeaderParser
from email.policy import compat32

from channels.base import ChannelName, DeliveryStatus, DeliveryUpdate
from channels.email.charsets import decode_bytes
from channels.email.headers import decode_value, normalize_message_id

_ACTION_STATUS = {
    "failed": DeliveryStatus.FAILED,
    "delivered": DeliveryStatus.DELIVERED,
    "relayed": DeliveryStatus.DELIVERED,
    "expanded": DeliveryStatus.DELIVERED,
}
_TYPE_PREFIX = re.compile(r"^\s*[A-Za-z0-9-]+\s*;\s*")


def is_delivery_report(message: Message) -> bool:
    return any(part.get_content_type() == "message/delivery-status" for part in message.walk())


def delivery_updates(message: Message, channel: ChannelName = ChannelName.EMAIL) -> list[DeliveryUpdate]:
    """One update per recipient whose fate the report states; "delayed" reports are progress, not a result."""
    status_part = next((p for p in message.walk() if p.get_content_type() == "message/delivery-status"), None)
    if status_part is None:
        return []
    reference = _original_message_id(message)
    updates: list[DeliveryUpdate] = []
    for block in _status_blocks(status_part):
        action = (_field(block, "Action") or "").lower()
        status = _ACTION_STATUS.get(action)
        if status is None:
            continue
        recipient = _field(block, "Final-Recipient") or _field(block, "Original-Recipient")
        code = _field(block, "Status")
        diagnostic = _field(block, "Diagnostic-Code")
        reason = None
        if status is DeliveryStatus.FAILED:
            detail = diagnostic or (f"status {code}" if code else "delivery failed")
            reason = f"{recipient}: {detail}" if recipient else detail
        updates.append(
            DeliveryUpdate(channel=channel, status=status, reference=reference, error_code=code, reason=reason)
        )
    return updates


def parse_bounce(raw: bytes, channel: ChannelName = ChannelName.EMAIL) -> list[DeliveryUpdate]:
    """Delivery updates from raw mail; an empty list when it is not a delivery status notification."""
    return delivery_updates(message_from_bytes(raw, policy=compat32), channel)


def _status_blocks(part: Message) -> list[Message]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [block for block in payload if isinstance(block, Message)]
    # Some reporters send the status as an encoded leaf; reparse its text as header blocks.
    data = part.get_payload(decode=True)
    text = decode_bytes(data) if isinstance(data, bytes) else str(payload)
    parser = HeaderParser(policy=compat32)
    return [parser.parsestr(chunk.strip() + "\n") for chunk in re.split(r"\n\s*\n", text) if chunk.strip()]


def _field(block: Message, name: str) -> str | None:
    value = block.get(name)
    if value is None:
        return None
    cleaned = _TYPE_PREFIX.sub("", decode_value(value)).strip()
    return cleaned.strip("<>") if name.endswith("Recipient") else cleaned or None


def _original_message_id(message: Message) -> str | None:
    for part in message.walk():
        content_type = part.get_content_type()
        headers: Message | None = None
        if content_type == "message/rfc822":
            payload = part.get_payload()
            if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                headers = payload[0]
        elif content_type == "text/rfc822-headers":
            data = part.get_payload(decode=True)
            text = decode_bytes(data) if isinstance(data, bytes) else ""
            headers = HeaderParser(policy=compat32).parsestr(text)
        if headers is not None and headers.get("Message-ID") is not None:
            return normalize_message_id(decode_value(headers["Message-ID"]))
    return None

"""Inbound messages that arrive without a sender identity, and what the store does with each kind.

A fax whose caller withheld the number is still a document somebody sent the business: a contact centre
reads it like any other. It is kept under one placeholder identity per fax line (the address the gateway
mailed it to); faxes do not thread by sender, so each still opens a conversation of its own, and an answer
fails with a readable reason because the placeholder is no number a gateway can dial.

An automatic report with no sender (a bounce from ``<>``) has nobody to answer; what it says about our mail
was already applied to that message, so the report itself is quarantined with a reason saying so.
"""

from __future__ import annotations

from dataclasses import replace

from channels.base import ChannelName, Identity, IdentityKind, InboundMessage, MessageKind

UNKNOWN_FAX_PREFIX = "unknown:"
UNKNOWN_FAX_NAME = "Unknown fax sender"
SENDERLESS_REPORT = (
    "an automatic report with no sender address: nobody to answer, so it is kept here; any delivery status "
    "it reported was applied to the outbound message it names"
)


def with_placeholder_sender(message: InboundMessage) -> InboundMessage:
    if message.sender is not None or message.channel is not ChannelName.FAX:
        return message
    line = (message.recipient or "fax").lower()
    placeholder = Identity(IdentityKind.FAX, UNKNOWN_FAX_PREFIX + line, display_name=UNKNOWN_FAX_NAME)
    return replace(message, sender=placeholder)


def senderless_reason(message: InboundMessage) -> str | None:
    """Why a message without a sender is quarantined when that is the expected outcome, not a fault."""
    if message.sender is None and message.is_automatic and message.kind is MessageKind.SYSTEM:
        return SENDERLESS_REPORT
    return None

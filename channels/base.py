"""The normalized types every channel adapter speaks, and the contract it fulfils.

Adapters turn raw input (an .eml, a webhook form, a websocket frame) into ``InboundMessage`` values with no I/O, and
turn ``OutboundMessage`` values into a delivery on their network. Nothing here knows about the store.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable


class ChannelName(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    PHONE = "phone"
    WEBCHAT = "webchat"
    FAX = "fax"


class IdentityKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    FAX = "fax"
    WEBCHAT = "webchat"
    EXTERNAL = "external"


class MessageKind(StrEnum):
    MESSAGE = "message"
    NOTE = "note"
    CALL_EVENT = "call_event"
    VOICEMAIL = "voicemail"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Identity:
    """One way of reaching a customer. ``value`` must already be normalized (see ``channels.identities``)."""

    kind: IdentityKind
    value: str
    display_name: str | None = None


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes
    content_id: str | None = None
    inline: bool = False

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True, slots=True)
class ThreadHints:
    """What a channel knows about which conversation a message continues.

    The store tries them in the order the fields are listed: an explicit conversation token (a reply address), then
    references to earlier messages' external ids, then a subject token accepted only from a known participant.
    """

    conversation_token: str | None = None
    references: tuple[str, ...] = ()
    subject_token: str | None = None
    session_key: str | None = None


@dataclass(frozen=True, slots=True)
class InboundMessage:
    channel: ChannelName
    external_id: str
    sender: Identity | None
    recipient: str | None = None
    subject: str | None = None
    text: str = ""
    html: str | None = None
    attachments: tuple[Attachment, ...] = ()
    thread: ThreadHints = field(default_factory=ThreadHints)
    received_at: datetime | None = None
    raw: bytes = b""
    kind: MessageKind = MessageKind.MESSAGE
    is_automatic: bool = False
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    channel: ChannelName
    message_id: int
    to: Identity
    text: str
    html: str | None = None
    subject: str | None = None
    sender_address: str | None = None
    reply_to: str | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    external_id_hint: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)


class DeliveryStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    RECEIVED = "received"


@dataclass(frozen=True, slots=True)
class DeliveryUpdate:
    """The network's later word on an outbound message (a status callback, a bounce, a gateway confirmation).

    ``external_id`` is what ``Channel.send`` returned; ``reference`` is an alternative handle (such as the
    Message-ID a bounce quotes) when the network does not echo our external id.
    """

    channel: ChannelName
    status: DeliveryStatus
    external_id: str | None = None
    reference: str | None = None
    error_code: str | None = None
    reason: str | None = None


class ChannelError(Exception):
    """A delivery problem, phrased so an agent can read it."""

    def __init__(self, reason: str, *, code: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class TransientChannelError(ChannelError):
    """Worth retrying later: timeouts, dropped connections, SMTP 4xx, provider 429/5xx."""


class PermanentChannelError(ChannelError):
    """Retrying cannot help: SMTP 5xx, invalid number, opted out. The message is marked failed with the reason."""


class UnparseableInput(Exception):
    """Raw input a channel cannot turn into messages; it is quarantined with this reason, never dropped."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InboundSink(Protocol):
    """What the store offers the edge: webhook routes and pollers hand their results here and answer at once."""

    async def ingest(self, message: InboundMessage) -> None: ...

    async def delivery_update(self, update: DeliveryUpdate) -> None: ...

    async def quarantine(self, channel: ChannelName, raw: bytes, reason: str) -> None: ...


@runtime_checkable
class Channel(Protocol):
    name: ChannelName

    def parse(self, raw: bytes) -> list[InboundMessage]:
        """Turn raw input into messages with no I/O; raise ``UnparseableInput`` when that cannot be done."""
        ...

    async def send(self, outbound: OutboundMessage) -> str:
        """Deliver a message and return the network's id for it; raise a ``ChannelError`` subclass on failure."""
        ...

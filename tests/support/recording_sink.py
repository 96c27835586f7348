"""An inbound sink for channel tests: keeps everything an adapter hands over, in order."""

from __future__ import annotations

from channels.base import ChannelName, DeliveryUpdate, InboundMessage


class RecordingSink:
    """An ``InboundSink`` that keeps what it is handed, in order."""

    def __init__(self) -> None:
        self.messages: list[InboundMessage] = []
        self.updates: list[DeliveryUpdate] = []
        self.quarantined: list[tuple[ChannelName, bytes, str]] = []

    async def ingest(self, message: InboundMessage) -> None:
        self.messages.append(message)

    async def delivery_update(self, update: DeliveryUpdate) -> None:
        self.updates.append(update)

    async def quarantine(self, channel: ChannelName, raw: bytes, reason: str) -> None:
        self.quarantined.append((channel, raw, reason))

    @property
    def nothing_received(self) -> bool:
        return not (self.messages or self.updates or self.quarantined)

"""The web chat adapter: replies published to the visitor's live feed, frames parsed from their envelopes."""

from __future__ import annotations

from datetime import UTC, datetime

from channels.base import ChannelName, InboundMessage, OutboundMessage, TransientChannelError
from channels.webchat.frames import Limits, parse_envelope
from channels.webchat.ports import RealtimeBus, visitor_topic
from channels.webchat.session import OUTBOUND_PREFIX


def outbound_key(message_id: int) -> str:
    return f"{OUTBOUND_PREFIX}{message_id}"


class WebchatChannel:
    name = ChannelName.WEBCHAT

    def __init__(self, bus: RealtimeBus, limits: Limits) -> None:
        self.bus = bus
        self.limits = limits

    def parse(self, raw: bytes) -> list[InboundMessage]:
        return [parse_envelope(raw, self.limits)]

    async def send(self, outbound: OutboundMessage) -> str:
        """Publish the reply to the visitor's feed. A visitor who is away reads it from the history when they
        come back, so no listener is not a failure; the widget's "delivered" report says when it was seen."""
        key = outbound_key(outbound.message_id)
        event = {
            "type": "message.created",
            "key": key,
            "seq": outbound.message_id,
            "dir": "out",
            "text": outbound.text,
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "state": "sent",
            "files": [item.filename for item in outbound.attachments],
            "channel": ChannelName.WEBCHAT.value,
        }
        try:
            await self.bus.publish(visitor_topic(outbound.to.value), event)
        except Exception as error:
            raise TransientChannelError(f"the live chat feed could not be reached: {error}") from error
        return key

"""The store's sink, announcing on the bus what it stored, so the agents' inbox updates without polling.

Events go out after the commit (the sink returns only then), never for a message that a rollback undid, and
only the first time a message is stored: a redelivered webhook announces nothing.
"""

from __future__ import annotations

import logging

from channels.base import ChannelName, DeliveryUpdate, InboundMessage
from inbox.actions.delivery import do_apply_delivery_update
from inbox.actions.ingest import IngestOutcome
from inbox.realtime.bus import Bus
from inbox.realtime.topics import INBOX_TOPIC
from inbox.sink import StoreSink

log = logging.getLogger("hub.realtime")

# Agents' lists show the start of a message; the full text is read from the store when it is opened.
PREVIEW_CHARS = 500


class PublishingSink:
    def __init__(self, sink: StoreSink, bus: Bus) -> None:
        self.sink = sink
        self.bus = bus

    async def ingest(self, message: InboundMessage) -> None:
        await self.ingest_with_outcome(message)

    async def ingest_with_outcome(self, message: InboundMessage) -> IngestOutcome | None:
        outcome = await self.sink.ingest_with_outcome(message)
        if outcome is not None and outcome.created:
            await self._announce(message, outcome)
        return outcome

    async def _announce(self, message: InboundMessage, outcome: IngestOutcome) -> None:
        event = {
            "type": "message.created",
            "direction": "inbound",
            "channel": message.channel.value,
            "message_id": outcome.message_id,
            "conversation_id": outcome.conversation_id,
            "contact_id": outcome.contact_id,
            "new_conversation": outcome.new_conversation,
            "external_id": message.external_id,
            "sender": message.sender.value if message.sender else None,
            "preview": message.text[:PREVIEW_CHARS],
            "attachments": len(message.attachments),
        }
        try:
            await self.bus.publish(INBOX_TOPIC, event)
        except Exception:
            # The message is stored; a missed live update is repaired by the inbox's next refresh.
            log.exception("could not announce message %s", outcome.message_id)

    async def delivery_update(self, update: DeliveryUpdate) -> None:
        message_id = await do_apply_delivery_update(self.sink.store, update)
        if message_id is None:
            log.info("a %s status report matched no stored message", update.channel.value)
            return
        event = {
            "type": "delivery",
            "message_id": message_id,
            "channel": update.channel.value,
            "status": update.status.value,
            "external_id": update.external_id,
            "reason": update.reason,
        }
        try:
            await self.bus.publish(INBOX_TOPIC, event)
        except Exception:
            log.exception("could not announce a delivery update")

    async def quarantine(self, channel: ChannelName, raw: bytes, reason: str) -> None:
        await self.sink.quarantine(channel, raw, reason)

    async def close(self) -> None:
        await self.sink.close()

"""The store's side of the channel edge: what webhook routes and pollers hand their results to."""

from __future__ import annotations

import logging

from channels.base import ChannelName, DeliveryUpdate, InboundMessage
from inbox.actions.delivery import do_apply_delivery_update
from inbox.actions.ingest import IngestOutcome, IngestRejected
from inbox.actions.quarantine import do_quarantine
from inbox.blobs import BlobStore
from inbox.ingest_batcher import IngestBatcher
from inbox.senderless import senderless_reason, with_placeholder_sender
from inbox.settings import Settings
from inbox.store import Store

log = logging.getLogger("hub.ingest")


class StoreSink:
    def __init__(self, store: Store, blobs: BlobStore, settings: Settings) -> None:
        self.store = store
        self.blobs = blobs
        self.settings = settings
        # Concurrent webhooks share transactions (group commit) instead of queueing for one each.
        self.batcher = IngestBatcher(store, blobs, settings)

    async def ingest(self, message: InboundMessage) -> None:
        await self.ingest_with_outcome(message)

    async def ingest_with_outcome(self, message: InboundMessage) -> IngestOutcome | None:
        message = with_placeholder_sender(message)
        if (reason := senderless_reason(message)) is not None:
            await self.quarantine(message.channel, message.raw or repr(message).encode(), reason)
            return None
        try:
            return await self.batcher.submit(message)
        except IngestRejected as rejected:
            # Quarantined with its reason already; the sender's network has nothing to retry.
            log.warning("inbound %s message quarantined: %s", message.channel.value, rejected.reason)
            return None

    async def delivery_update(self, update: DeliveryUpdate) -> None:
        if await do_apply_delivery_update(self.store, update) is None:
            log.info("a %s status report matched no stored message", update.channel.value)

    async def quarantine(self, channel: ChannelName, raw: bytes, reason: str) -> None:
        await do_quarantine(self.store, self.blobs, self.settings, channel.value, raw, reason)

    async def close(self) -> None:
        await self.batcher.stop()

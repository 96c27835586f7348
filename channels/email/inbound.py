"""Where one raw inbound mail goes: a fax, a delivery report, or an email, handed to the store's sink.

This is the handler an IMAP poller calls for every message. Nothing is dropped: what cannot be read is
quarantined with the reason, and a bounce is both applied to the outbound message it reports on and stored.
A fax gateway's status mail about a fax we sent only updates that fax; it is not a customer message.
"""

from __future__ import annotations

from typing import Protocol

from channels.base import ChannelName, DeliveryUpdate, InboundMessage, InboundSink, UnparseableInput


class MailReader(Protocol):
    """What ``EmailChannel`` and ``FaxChannel`` both offer for inbound mail."""

    name: ChannelName

    def parse(self, raw: bytes) -> list[InboundMessage]: ...

    def delivery_updates(self, raw: bytes) -> list[DeliveryUpdate]: ...


class GatewayReader(MailReader, Protocol):
    def accepts(self, raw: bytes) -> bool: ...


async def deliver_mail(raw: bytes, sink: InboundSink, email: MailReader, fax: GatewayReader | None = None) -> None:
    if fax is not None and fax.accepts(raw):
        status = _updates(fax, raw)
        if status:
            for update in status:
                await sink.delivery_update(update)
            return
        await _ingest(fax, raw, sink)
        return
    for update in _updates(email, raw):
        await sink.delivery_update(update)
    await _ingest(email, raw, sink)


def _updates(reader: MailReader, raw: bytes) -> list[DeliveryUpdate]:
    try:
        return reader.delivery_updates(raw)
    except UnparseableInput:
        # The same input is quarantined by the parse step with its reason.
        return []


async def _ingest(reader: MailReader, raw: bytes, sink: InboundSink) -> None:
    try:
        messages = reader.parse(raw)
    except UnparseableInput as exc:
        await sink.quarantine(reader.name, raw, exc.reason)
        return
    for message in messages:
        await sink.ingest(message)

"""The adapter: a reply is published to the visitor's own feed and identified by the message id."""

from __future__ import annotations

from channels.base import ChannelName, Identity, IdentityKind, OutboundMessage
from channels.webchat import Limits, WebchatChannel
from channels.webchat.frames import envelope
from channels.webchat.ports import visitor_topic
from inbox.realtime import InProcessBus


async def test_a_reply_is_published_to_the_visitors_feed() -> None:
    bus = InProcessBus()
    feed = await bus.subscribe(visitor_topic("v-mei"))
    other = await bus.subscribe(visitor_topic("v-someone-else"))
    adapter = WebchatChannel(bus, Limits(100, 1024))
    outbound = OutboundMessage(ChannelName.WEBCHAT, 41, Identity(IdentityKind.WEBCHAT, "v-mei"), "Hello Mei")
    key = await adapter.send(outbound)
    event = await feed.get()
    assert key == "webchat-out-41"
    assert event is not None and event["key"] == key and event["seq"] == 41
    assert event["dir"] == "out" and event["text"] == "Hello Mei"
    assert await bus.listeners(visitor_topic("v-someone-else")) == 1
    await other.close()
    assert await bus.listeners(visitor_topic("v-someone-else")) == 0


def test_parse_reads_a_stored_envelope() -> None:
    adapter = WebchatChannel(InProcessBus(), Limits(100, 1024))
    (message,) = adapter.parse(envelope("v1", "site", None, {"cid": "c9", "text": "hi"}, "10.0.0.1"))
    assert message.external_id == "v1:c9" and message.text == "hi"

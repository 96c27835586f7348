"""The agents' feed: each socket hears only the events of conversations its person may see, customers' words
cleaned, and nothing a publisher added that agents need not have."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from channels.base import ChannelName, Identity, IdentityKind, ThreadHints
from inbox.access import load_viewer
from inbox.models import Conversation
from inbox.realtime import INBOX_TOPIC
from inbox.realtime.agent_feed import AgentFeed, Listener
from inbox.realtime.audience import audience_of
from inbox.settings import Settings
from tests.support.buses import NamespacedBus, backend_bus
from tests.support.factories import inbound, ingest
from tests.support.web import World, build_world
from workers.context import JobContext

PEOPLE = ("chen", "zhao", "olivia", "sofia", "root", "mia")
# Only stops a hung test; nothing here measures speed.
HANG_GUARD = 30.0


@pytest.fixture
async def bus(settings: Settings) -> AsyncIterator[NamespacedBus]:
    made = backend_bus(settings)
    yield made
    await made.aclose()


async def _listeners(ctx: JobContext, world: World, feed: AgentFeed) -> dict[str, Listener]:
    joined = {}
    async with ctx.store.read() as session:
        for name in PEOPLE:
            viewer = await load_viewer(session, world.people[name])
            assert viewer is not None
            joined[name] = await feed.join(await audience_of(session, viewer))
    return joined


SENTINEL = {"type": "presence", "agent_id": -1, "presence": "end of test events"}


async def _heard(bus: NamespacedBus, listeners: dict[str, Listener]) -> dict[str, list[dict[str, object]]]:
    """What each listener heard of the events published so far: the feed passes events on in order and presence
    reaches everyone, so a last presence event marks the end for every listener."""
    await bus.publish(INBOX_TOPIC, SENTINEL)
    heard: dict[str, list[dict[str, object]]] = {}
    for name, listener in listeners.items():
        heard[name] = []
        while True:
            text = await asyncio.wait_for(listener.get(), timeout=HANG_GUARD)
            assert text is not None
            event = json.loads(text)
            if event.get("agent_id") == SENTINEL["agent_id"]:
                break
            heard[name].append(event)
    return heard


async def test_a_new_message_reaches_only_those_who_may_read_it(ctx: JobContext, bus: NamespacedBus) -> None:
    world = await build_world(ctx)
    feed = AgentFeed(ctx.store, bus)
    listeners = await _listeners(ctx, world, feed)
    conversation = world.conversations["chen_own"]
    await bus.publish(
        INBOX_TOPIC,
        {
            "type": "message.created",
            "direction": "inbound",
            "conversation_id": conversation,
            "message_id": 99,
            "channel": "email",
            "preview": "Where\u202e is\x00 my\n\n   refund?",
            "sender": "chen_own@example.com",
            "external_id": "<abc@example.com>",
        },
    )
    heard = await _heard(bus, listeners)
    assert {name for name, events in heard.items() if events} == {"chen", "olivia", "root"}
    (event,) = heard["chen"]
    assert event["preview"] == "Where is my refund?"
    assert event["conversation_id"] == conversation and event["visible"] is True
    assert "sender" not in event and "external_id" not in event
    await feed.aclose()


async def test_presence_reaches_everyone_and_a_transfer_reaches_both_sides(ctx: JobContext, bus: NamespacedBus) -> None:
    world = await build_world(ctx)
    feed = AgentFeed(ctx.store, bus)
    listeners = await _listeners(ctx, world, feed)
    await bus.publish(INBOX_TOPIC, {"type": "presence", "agent_id": world.people["zhao"], "presence": "away"})
    assert all(len(events) == 1 for events in (await _heard(bus, listeners)).values())

    conversation = world.conversations["chen_own"]
    async with ctx.store.write() as session:
        row = await session.get(Conversation, conversation)
        assert row is not None
        row.assignee_id, row.team_id = None, world.teams["Billing"]
    await bus.publish(
        INBOX_TOPIC,
        {
            "type": "conversation.assigned",
            "conversation_id": conversation,
            "assignee_id": None,
            "team_id": world.teams["Billing"],
            "before_assignee_id": world.people["chen"],
            "before_team_id": world.teams["Front desk"],
        },
    )
    heard = await _heard(bus, listeners)
    assert {name for name, events in heard.items() if events} == {"chen", "zhao", "olivia", "sofia", "root"}
    # Chen hears it so the row leaves their list; it is no longer theirs to see.
    assert heard["chen"][0]["visible"] is False
    assert heard["zhao"][0]["visible"] is True
    await feed.aclose()


async def test_a_visitor_typing_is_placed_in_their_chat(ctx: JobContext, bus: NamespacedBus) -> None:
    world = await build_world(ctx)
    visitor = Identity(IdentityKind.WEBCHAT, "visitor-42")
    chat = await ingest(
        ctx,
        inbound(
            ChannelName.WEBCHAT, external_id="chat-1", sender=visitor, thread=ThreadHints(session_key="visitor-42")
        ),
    )
    async with ctx.store.write() as session:
        row = await session.get(Conversation, chat.conversation_id)
        assert row is not None
        row.assignee_id, row.team_id = world.people["zhao"], world.teams["Billing"]
    feed = AgentFeed(ctx.store, bus)
    listeners = await _listeners(ctx, world, feed)
    await bus.publish(INBOX_TOPIC, {"type": "typing", "who": "visitor", "visitor": "visitor-42", "on": True})
    await bus.publish(INBOX_TOPIC, {"type": "typing", "who": "visitor", "visitor": "nobody-known", "on": True})
    heard = await _heard(bus, listeners)
    assert {name for name, events in heard.items() if events} == {"zhao", "sofia", "root"}
    (event,) = heard["zhao"]
    assert (event["conversation_id"], event["on"], event["who"]) == (chat.conversation_id, True, "visitor")
    await feed.aclose()


async def test_the_feed_listens_only_while_someone_does(ctx: JobContext, bus: NamespacedBus) -> None:
    world = await build_world(ctx)
    feed = AgentFeed(ctx.store, bus)
    listeners = await _listeners(ctx, world, feed)
    assert await bus.listeners(INBOX_TOPIC) == 1
    for listener in listeners.values():
        await feed.leave(listener)
    assert await bus.listeners(INBOX_TOPIC) == 0


async def test_a_burst_is_heard_in_order_by_those_who_may_see_it(ctx: JobContext, bus: NamespacedBus) -> None:
    world = await build_world(ctx)
    feed = AgentFeed(ctx.store, bus)
    listeners = await _listeners(ctx, world, feed)
    own, billing = world.conversations["chen_own"], world.conversations["billing_queue"]
    burst = 450
    for number in range(burst):
        conversation = own if number % 2 else billing
        event = {
            "type": "message.created",
            "conversation_id": conversation,
            "message_id": number,
            "preview": str(number),
        }
        # Published without a pause: the feed finds many queued at once, as after a busy moment.
        await bus.publish(INBOX_TOPIC, event)
    heard = await _heard(bus, listeners)
    assert [event["preview"] for event in heard["chen"]] == [str(n) for n in range(1, burst, 2)]
    assert [event["preview"] for event in heard["zhao"]] == [str(n) for n in range(0, burst, 2)]
    assert [event["preview"] for event in heard["root"]] == [str(n) for n in range(burst)]
    await feed.aclose()


async def test_queued_events_are_placed_with_one_read(
    ctx: JobContext, bus: NamespacedBus, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = await build_world(ctx)
    chat = await ingest(
        ctx,
        inbound(
            ChannelName.WEBCHAT,
            external_id="chat-9",
            sender=Identity(IdentityKind.WEBCHAT, "visitor-9"),
            thread=ThreadHints(session_key="visitor-9"),
        ),
    )
    feed = AgentFeed(ctx.store, bus)
    listeners = await _listeners(ctx, world, feed)
    reads = 0
    real_read = ctx.store.read

    def counted_read() -> object:
        nonlocal reads
        reads += 1
        return real_read()

    monkeypatch.setattr(ctx.store, "read", counted_read)
    own, billing = world.conversations["chen_own"], world.conversations["billing_queue"]
    events: list[dict[str, object]] = [
        {"type": "message.created", "conversation_id": own, "preview": "a"},
        {"type": "delivery", "message_id": chat.message_id, "status": "delivered"},
        {"type": "presence", "agent_id": world.people["zhao"], "presence": "away"},
        {"type": "typing", "who": "visitor", "visitor": "visitor-9", "on": True},
        {"type": "message.created", "conversation_id": billing, "preview": "b"},
        {"type": "message.created", "conversation_id": 10**9, "preview": "gone"},
    ]
    await feed.dispatch_many(events)
    assert reads == 1
    monkeypatch.undo()
    heard = await _heard(bus, listeners)
    assert [(event["type"], event.get("conversation_id")) for event in heard["root"]] == [
        ("message.created", own),
        ("delivery", chat.conversation_id),
        ("presence", None),
        ("typing", chat.conversation_id),
        ("message.created", billing),
    ]
    # The chat waits in no team's queue: everyone who reads conversations sees it.
    assert [event["type"] for event in heard["chen"]] == ["message.created", "delivery", "presence", "typing"]
    assert [event["type"] for event in heard["zhao"]] == ["delivery", "presence", "typing", "message.created"]
    assert [event.get("preview") for event in heard["zhao"] if event["type"] == "message.created"] == ["b"]
    await feed.aclose()


async def test_events_queued_on_a_subscription_are_taken_together_and_its_end_still_reported(
    bus: NamespacedBus,
) -> None:
    subscription = await bus.subscribe("hub:test:ready")
    for number in range(5):
        subscription.deliver({"n": number})
    assert [event["n"] for event in subscription.ready(3)] == [0, 1, 2]
    subscription.deliver_end()
    assert [event["n"] for event in subscription.ready(10)] == [3, 4]
    assert subscription.ready(10) == []
    assert await asyncio.wait_for(subscription.get(), timeout=HANG_GUARD) is None
    await subscription.close()

"""The agents' live feed in one web process: one subscription to the bus, fanned out to every agent's socket,
each hearing only what their role lets them see.

Per event the feed looks up once where the conversation sits (assignee, team); each listener's audience then
decides in memory. Events that queued while the feed was busy are looked up together, in one read: under a burst
(a campaign's answers, a thousand chats) the feed keeps pace with the store's commits instead of falling a read
per event behind them until the bus cuts it off.

A transfer is heard by those who could see the conversation before it as well as after, so a row leaves the list
of whoever lost it. Customers' words (previews) go only to those who may read the
conversation; marketers hear presence and nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Sequence
from typing import Any

from inbox.realtime.audience import Audience, Place
from inbox.realtime.bus import Bus, Event, Subscription
from inbox.realtime.lookups import Located, locate_conversations, locate_messages, locate_visitor
from inbox.realtime.preview import preview
from inbox.realtime.topics import INBOX_TOPIC
from inbox.store import Store

log = logging.getLogger("hub.realtime")

# A socket that falls this far behind is closed; its page reconnects and reloads what it shows.
LISTENER_LIMIT = 500
# The most events looked up in one read; bounded so a statement's parameters stay few.
BATCH_LIMIT = 200
# What an agent's page may be told about a conversation event; anything else a publisher adds stays behind.
CONVERSATION_KEYS = (
    "type",
    "conversation_id",
    "message_id",
    "direction",
    "channel",
    "new_conversation",
    "attachments",
    "assignee_id",
    "team_id",
    "before_assignee_id",
    "status",
    "before",
    "how",
    "by",
    "on",
    "who",
    "agent_id",
    "name",
    "reason",
    "offer_id",
    "expires_at",
)
PRESENCE_KEYS = ("type", "agent_id", "presence", "before", "reason")


class Listener:
    def __init__(self, audience: Audience) -> None:
        self.audience = audience
        # Events as the JSON text sent on the socket.
        self._queue: asyncio.Queue[str | None] = asyncio.Queue(LISTENER_LIMIT)
        self.closed = False

    def deliver(self, event: str) -> None:
        if self.closed:
            return
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self.end()

    def end(self) -> None:
        if not self.closed:
            self.closed = True
            with contextlib.suppress(asyncio.QueueFull):
                self._queue.put_nowait(None)

    async def get(self) -> str | None:
        if self.closed and self._queue.empty():
            return None
        return await self._queue.get()


def _places(event: Event, located: Located) -> list[Place]:
    places = [located.place]
    if event.get("type") == "conversation.assigned":
        # Whoever saw it where it was: the team is only in the event when a person moved it.
        before_team = event.get("before_team_id", located.place.team_id)
        places.append(Place(event.get("before_assignee_id"), before_team))
    elif event.get("type") == "offer":
        # The offered agent hears the answer even once the conversation is back in a queue beyond their reach.
        places.append(Place(event.get("agent_id"), located.place.team_id))
    return places


def heard_as(event: Event, audience: Audience, located: Located | None) -> bool | None:
    """None when the event is not for this listener; else whether its conversation is (still) in their reach."""
    if event.get("type") == "presence":
        return True
    if located is None or not audience.sees_any(_places(event, located)):
        return None
    return audience.sees(located.place)


def render(event: Event, located: Located | None, visible: bool) -> dict[str, Any]:
    """The event as a listener hears it: only the keys pages need, the customer's words cleaned."""
    kind = event.get("type")
    if kind == "presence" or located is None:
        return {key: event[key] for key in PRESENCE_KEYS if key in event}
    shaped = {key: event[key] for key in CONVERSATION_KEYS if key in event}
    shaped["conversation_id"] = located.conversation_id
    shaped["assignee_id"] = located.place.assignee_id
    shaped["team_id"] = located.place.team_id
    shaped["visible"] = visible
    if kind == "message.created":
        shaped["preview"] = preview(str(event.get("preview") or ""))
    if kind == "delivery":
        shaped["status"] = event.get("status")
    return shaped


def shape(event: Event, audience: Audience, located: Located | None) -> dict[str, Any] | None:
    """The event as this listener may hear it, or None when it is not for them."""
    visible = heard_as(event, audience, located)
    return None if visible is None else render(event, located, visible)


class AgentFeed:
    def __init__(self, store: Store, bus: Bus) -> None:
        self.store = store
        self.bus = bus
        self._listeners: set[Listener] = set()
        self._pump: asyncio.Task[None] | None = None
        self._subscription: Subscription | None = None
        self._lock = asyncio.Lock()

    async def join(self, audience: Audience) -> Listener:
        """A listener that hears every event published after this returns."""
        listener = Listener(audience)
        async with self._lock:
            self._listeners.add(listener)
            if self._pump is None or self._pump.done():
                self._subscription = await self.bus.subscribe(INBOX_TOPIC)
                self._pump = asyncio.create_task(self._run(self._subscription), name="agent-feed")
        return listener

    async def leave(self, listener: Listener) -> None:
        listener.end()
        async with self._lock:
            self._listeners.discard(listener)
            if not self._listeners:
                await self._stop()

    async def aclose(self) -> None:
        async with self._lock:
            for listener in self._listeners:
                listener.end()
            self._listeners.clear()
            await self._stop()

    async def _stop(self) -> None:
        pump, subscription = self._pump, self._subscription
        self._pump = self._subscription = None
        if subscription is not None:
            await subscription.close()
        if pump is not None:
            pump.cancel()
            await asyncio.gather(pump, return_exceptions=True)

    async def _run(self, subscription: Subscription) -> None:
        while (event := await subscription.get()) is not None:
            events = [event, *subscription.ready(BATCH_LIMIT - 1)]
            try:
                await self.dispatch_many(events)
            except Exception:
                log.exception("live events could not be passed on")
        # The bus lost its connection: every page reconnects and reloads what it shows.
        for listener in list(self._listeners):
            listener.end()

    async def dispatch(self, event: Event) -> None:
        await self.dispatch_many([event])

    async def dispatch_many(self, events: Sequence[Event]) -> None:
        """Pass ``events`` on in their order, their conversations looked up in one read."""
        if not self._listeners:
            return
        places = await self._locate(events)
        for event, located in zip(events, places, strict=True):
            self._deliver(event, located)

    def _deliver(self, event: Event, located: Located | None) -> None:
        # Listeners hear one of at most two versions (the conversation in their reach or not): each is built and
        # encoded once, however many sockets there are.
        encoded: dict[bool, str] = {}
        for listener in list(self._listeners):
            visible = heard_as(event, listener.audience, located)
            if visible is None:
                continue
            text = encoded.get(visible)
            if text is None:
                text = encoded[visible] = json.dumps(render(event, located, visible), default=str)
            listener.deliver(text)

    async def _locate(self, events: Sequence[Event]) -> list[Located | None]:
        """Where each event's conversation sits: by its conversation, else its message, else the chat visitor."""
        conversations: set[int] = set()
        messages: set[int] = set()
        visitors: set[str] = set()
        for event in events:
            if event.get("type") == "presence":
                continue
            conversation_id, message_id, visitor = _subject(event)
            if conversation_id is not None:
                conversations.add(conversation_id)
            elif message_id is not None:
                messages.add(message_id)
            elif visitor is not None:
                visitors.add(visitor)
        if not (conversations or messages or visitors):
            return [None] * len(events)
        async with self.store.read() as session:
            by_conversation = await locate_conversations(session, conversations)
            by_message = await locate_messages(session, messages)
            # Typing comes one visitor at a time; each is one indexed read.
            by_visitor = {visitor: await locate_visitor(session, visitor) for visitor in sorted(visitors)}
        places: list[Located | None] = []
        for event in events:
            conversation_id, message_id, visitor = _subject(event)
            if event.get("type") == "presence":
                places.append(None)
            elif conversation_id is not None:
                places.append(by_conversation.get(conversation_id))
            elif message_id is not None:
                places.append(by_message.get(message_id))
            elif visitor is not None:
                places.append(by_visitor.get(visitor))
            else:
                places.append(None)
        return places


def _subject(event: Event) -> tuple[int | None, int | None, str | None]:
    """What names the event's conversation: its id, a message's id, or a chat visitor's id."""
    conversation_id, message_id, visitor = event.get("conversation_id"), event.get("message_id"), event.get("visitor")
    return (
        conversation_id if isinstance(conversation_id, int) else None,
        message_id if isinstance(message_id, int) else None,
        visitor if isinstance(visitor, str) and visitor else None,
    )

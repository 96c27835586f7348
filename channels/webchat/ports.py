"""What the web chat edge needs from the rest of the hub, as interfaces: a realtime bus, the agents'
availability, and the visitor's records in the store. The composition root hands in implementations.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

# Topic names shared with the hub's bus (inbox.realtime.topics, which a test keeps in step with these).
INBOX_TOPIC = "hub:inbox"
VISITOR_TOPIC_PREFIX = "hub:webchat:"


def visitor_topic(visitor_id: str) -> str:
    return VISITOR_TOPIC_PREFIX + visitor_id


class EventStream(Protocol):
    async def get(self) -> Mapping[str, Any] | None:
        """The next event; None when the stream has ended."""
        ...

    async def close(self) -> None: ...


class RealtimeBus(Protocol):
    async def publish(self, topic: str, event: Mapping[str, Any]) -> None: ...

    async def subscribe(self, topic: str) -> EventStream: ...


@dataclass(frozen=True, slots=True)
class Availability:
    online: bool
    # "agents_online", "no_agent" or "closed" (outside business hours): the widget words each one.
    reason: str
    opens_at: str | None = None


AvailabilityCheck = Callable[[str], Awaitable[Availability]]


@dataclass(frozen=True, slots=True)
class ChatEntry:
    """One message as the visitor's widget shows it."""

    key: str
    seq: int
    direction: str  # "in" (from the visitor) or "out" (from an agent)
    text: str
    at: str
    state: str
    files: Sequence[str] = field(default_factory=tuple)
    channel: str = "webchat"

    def as_event(self) -> dict[str, Any]:
        return {
            "type": "message.created",
            "key": self.key,
            "seq": self.seq,
            "dir": self.direction,
            "text": self.text,
            "at": self.at,
            "state": self.state,
            "files": list(self.files),
            "channel": self.channel,
        }


class VisitorRecords(Protocol):
    """The store's side of a visitor: history, the identity the host site vouched for, addresses left."""

    async def history(self, visitor_id: str, after: int, limit: int) -> list[ChatEntry]: ...

    async def link_verified(self, visitor_id: str, external_id: str, name: str | None) -> None: ...

    async def leave_email(self, visitor_id: str, email: str, name: str | None, *, prefer_email: bool) -> None:
        """Record an address the visitor gave; ``prefer_email`` when answers should go there from now on."""
        ...

    async def visitor_back(self, visitor_id: str) -> None:
        """The visitor is chatting while agents are online: answers go to the chat again, not to email."""
        ...

    async def send_transcript(self, visitor_id: str, email: str) -> bool:
        """Queue the conversation's transcript to ``email``; False when there is nothing to send."""
        ...

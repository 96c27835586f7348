"""Realtime fan-out: events (a message created, someone typing, a delivery report) pushed to whoever listens.

Two buses with one interface: in-process (asyncio queues) for the embedded setup, Redis pub/sub when Redis is
configured, so a visitor connected to one web process hears an agent's reply sent by a worker in another.
"""

from __future__ import annotations

from inbox.realtime.bus import Bus, Event, Subscription, build_bus, process_bus
from inbox.realtime.memory import InProcessBus
from inbox.realtime.publishing_sink import PublishingSink
from inbox.realtime.redis_bus import RedisBus
from inbox.realtime.topics import INBOX_TOPIC, visitor_topic

__all__ = [
    "INBOX_TOPIC",
    "Bus",
    "Event",
    "InProcessBus",
    "PublishingSink",
    "RedisBus",
    "Subscription",
    "build_bus",
    "process_bus",
    "visitor_topic",
]

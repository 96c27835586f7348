"""Names of the bus's topics, in one place so publishers and subscribers agree on them."""

from __future__ import annotations

# Everything the agents' inbox shows live: messages created on any channel, deliveries, visitors typing.
INBOX_TOPIC = "hub:inbox"


def visitor_topic(visitor_id: str) -> str:
    """One web-chat visitor's own feed: agents' replies and typing, and the visitor's messages from other tabs."""
    return f"hub:webchat:{visitor_id}"

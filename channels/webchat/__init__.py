"""Web chat: an embeddable widget talking to the hub over a websocket, replies pushed through a realtime bus."""

from __future__ import annotations

from channels.webchat.channel import WebchatChannel, outbound_key
from channels.webchat.config import InboxConfig, RateLimit, WebchatConfig
from channels.webchat.frames import Limits
from channels.webchat.identity import identity_hash, verify_identity
from channels.webchat.ports import Availability, ChatEntry, RealtimeBus, VisitorRecords
from channels.webchat.rate_limit import Limiter, RateLimiter, RedisRateLimiter
from channels.webchat.routes import LimiterFactory, webchat_routes
from channels.webchat.tokens import VisitorClaim, VisitorTokens

__all__ = [
    "Availability",
    "ChatEntry",
    "InboxConfig",
    "Limiter",
    "LimiterFactory",
    "Limits",
    "RateLimit",
    "RateLimiter",
    "RealtimeBus",
    "RedisRateLimiter",
    "VisitorClaim",
    "VisitorRecords",
    "VisitorTokens",
    "WebchatChannel",
    "WebchatConfig",
    "identity_hash",
    "outbound_key",
    "verify_identity",
    "webchat_routes",
]

"""How outgoing webhook requests are signed, so a receiver can tell they came from this hub and are fresh.

``X-Hub-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`` where the MAC is keyed with the endpoint's secret over
``"<t>.<body>"``. Binding the timestamp into the MAC lets a receiver refuse replays: it recomputes the MAC over
the exact bytes it received, compares in constant time, and rejects a ``t`` further from its own clock than the
replay window (``webhooks.signature_tolerance_seconds``, five minutes by default).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "X-Hub-Signature"
EVENT_ID_HEADER = "X-Hub-Event-Id"
EVENT_KIND_HEADER = "X-Hub-Event"
DELIVERY_HEADER = "X-Hub-Delivery"
SCHEME = "v1"


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return mac.hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},{SCHEME}={signature(secret, timestamp, body)}"

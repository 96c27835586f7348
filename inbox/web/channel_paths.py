"""Which requests belong to the channels rather than to the agents' app.

Channel routes answer customers and providers: they check their own signatures, tokens and origins, and choose
their own response headers (a chat widget may be embedded in the business's website).
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.routing import BaseRoute, Match
from starlette.types import Scope

CHANNELS_PREFIX = "/channels/"


class ChannelPaths:
    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        self.routes = tuple(routes)

    def __contains__(self, scope: Scope) -> bool:
        if scope["path"].startswith(CHANNELS_PREFIX):
            return True
        return any(route.matches(scope)[0] is not Match.NONE for route in self.routes)

"""The web chat's routes: the visitors' websocket and the widget's script and stylesheet.

The socket checks the page's Origin against the inbox's list before accepting: browsers always send it on
websocket handshakes, and without this check any site could open chats in its visitors' names.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket

from channels.base import InboundSink
from channels.webchat.config import ROUTE_PREFIX, RateLimit, WebchatConfig
from channels.webchat.ports import AvailabilityCheck, RealtimeBus, VisitorRecords
from channels.webchat.rate_limit import Limiter, RateLimiter
from channels.webchat.session import CLOSE_FORBIDDEN, Edge, VisitorSession
from channels.webchat.tokens import VisitorTokens

ASSET_TYPES = {"widget.js": "text/javascript; charset=utf-8", "widget.css": "text/css; charset=utf-8"}
TRANSCRIPTS_PER_HOUR = 6

# Makes the limiter for one kind of bucket ("visitor", "address", "transcript"); in-process buckets by default.
LimiterFactory = Callable[[str, RateLimit], Limiter]


def local_limiter(_kind: str, limit: RateLimit) -> Limiter:
    return RateLimiter(limit)


def build_edge(
    config: WebchatConfig,
    sink: InboundSink,
    bus: RealtimeBus,
    availability: AvailabilityCheck,
    visitors: VisitorRecords,
    limiter: LimiterFactory = local_limiter,
) -> Edge:
    return Edge(
        config=config,
        sink=sink,
        bus=bus,
        availability=availability,
        visitors=visitors,
        tokens=VisitorTokens(config.secret_key, config.token_max_age_seconds),
        per_visitor=limiter("visitor", config.visitor_rate),
        per_address=limiter("address", config.ip_rate),
        transcripts=limiter("transcript", RateLimit(burst=2, per_second=TRANSCRIPTS_PER_HOUR / 3600)),
    )


def webchat_routes(
    config: WebchatConfig,
    sink: InboundSink,
    bus: RealtimeBus,
    availability: AvailabilityCheck,
    visitors: VisitorRecords,
    limiter: LimiterFactory = local_limiter,
) -> list[BaseRoute]:
    edge = build_edge(config, sink, bus, availability, visitors, limiter)
    # Read once: the files are small and a restart picks up edits.
    assets = {name: (config.assets_dir / name).read_bytes() for name in ASSET_TYPES}

    async def visitor_socket(websocket: WebSocket) -> None:
        inbox = config.inbox(websocket.query_params.get("inbox"))
        origin = websocket.headers.get("origin", "")
        if inbox is None or origin not in inbox.allowed_origins:
            await websocket.close(code=CLOSE_FORBIDDEN)
            return
        await websocket.accept()
        address = websocket.client.host if websocket.client else "unknown"
        await VisitorSession(edge, websocket, inbox, address).run()

    async def asset(request: Request) -> Response:
        name = request.path_params.get("name") or "widget.js"
        if name not in assets:
            return Response(status_code=404)
        return Response(
            assets[name],
            media_type=ASSET_TYPES[name],
            # Any site may embed the widget; short caching lets a fix reach visitors within minutes.
            headers={"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"},
        )

    return [
        WebSocketRoute(f"{ROUTE_PREFIX}/ws", visitor_socket),
        Route(f"{ROUTE_PREFIX}/{{name}}", asset, methods=["GET"]),
        Route("/widget.js", asset, methods=["GET"]),
    ]

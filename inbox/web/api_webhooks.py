"""The REST API for outgoing webhooks: register, change and remove endpoints, read their delivery log and
redeliver. Admins only: an endpoint receives every conversation of the hub."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from inbox import webhook_queries
from inbox.access import Viewer
from inbox.actions.webhook_deliveries import do_redeliver_webhook
from inbox.actions.webhook_endpoints import (
    EndpointRefused,
    do_create_webhook_endpoint,
    do_delete_webhook_endpoint,
    do_update_webhook_endpoint,
)
from inbox.models import DeliveryStatus
from inbox.web import api_shapes
from inbox.web.json_body import json_object
from inbox.web.params import optional_int, path_id
from inbox.webhook_events import EVENT_KINDS

MAX_DELIVERIES = 200


def _admin(request: Request) -> Viewer:
    viewer: Viewer = request.state.viewer
    if not viewer.sees_everything:
        raise HTTPException(403, "only admins manage webhooks")
    return viewer


def _refused(refusal: EndpointRefused) -> Response:
    return JSONResponse({"error": "refused", "detail": str(refusal)}, status_code=422)


def _optional(body: dict[str, Any], name: str, kind: type) -> Any:
    value = body.get(name)
    if value is not None and not isinstance(value, kind):
        raise HTTPException(400, f"{name} must be a {kind.__name__}")
    return value


def _events(body: dict[str, Any]) -> list[str] | None:
    events = body.get("events")
    if events is None:
        return None
    if not isinstance(events, list) or not all(isinstance(kind, str) for kind in events):
        raise HTTPException(400, "events must be a list of event names")
    return events


async def _endpoint_json(request: Request, endpoint_id: int) -> dict[str, Any]:
    async with request.app.state.store.read() as session:
        found = await webhook_queries.endpoint(session, endpoint_id)
        if found is None:
            raise HTTPException(404, "no such webhook")
        counts = (await webhook_queries.delivery_counts(session)).get(found.id, {})
    return api_shapes.webhook_endpoint(found, counts)


async def list_webhooks(request: Request) -> Response:
    _admin(request)
    async with request.app.state.store.read() as session:
        found = await webhook_queries.endpoints(session)
        counts = await webhook_queries.delivery_counts(session)
    return JSONResponse(
        {
            "events": list(EVENT_KINDS),
            "webhooks": [api_shapes.webhook_endpoint(e, counts.get(e.id, {})) for e in found],
        }
    )


async def create_webhook(request: Request) -> Response:
    viewer = _admin(request)
    body = await json_object(request)
    url, events = _optional(body, "url", str), _events(body)
    if url is None or events is None:
        raise HTTPException(400, "url and events are required")
    active = _optional(body, "active", bool)
    try:
        created = await do_create_webhook_endpoint(
            request.app.state.store,
            url=url,
            events=events,
            description=_optional(body, "description", str) or "",
            secret=_optional(body, "secret", str),
            active=True if active is None else active,
            actor_agent_id=viewer.agent_id,
        )
    except EndpointRefused as refusal:
        return _refused(refusal)
    document = await _endpoint_json(request, created.endpoint_id)
    return JSONResponse({**document, "secret": created.secret}, status_code=201)


async def get_webhook(request: Request) -> Response:
    _admin(request)
    return JSONResponse(await _endpoint_json(request, path_id(request.path_params["webhook_id"])))


async def update_webhook(request: Request) -> Response:
    viewer = _admin(request)
    endpoint_id = path_id(request.path_params["webhook_id"])
    await _endpoint_json(request, endpoint_id)
    body = await json_object(request)
    try:
        await do_update_webhook_endpoint(
            request.app.state.store,
            endpoint_id=endpoint_id,
            url=_optional(body, "url", str),
            events=_events(body),
            description=_optional(body, "description", str),
            active=_optional(body, "active", bool),
            secret=_optional(body, "secret", str),
            actor_agent_id=viewer.agent_id,
        )
    except EndpointRefused as refusal:
        return _refused(refusal)
    return JSONResponse(await _endpoint_json(request, endpoint_id))


async def delete_webhook(request: Request) -> Response:
    viewer = _admin(request)
    endpoint_id = path_id(request.path_params["webhook_id"])
    await _endpoint_json(request, endpoint_id)
    try:
        await do_delete_webhook_endpoint(
            request.app.state.store, endpoint_id=endpoint_id, actor_agent_id=viewer.agent_id
        )
    except EndpointRefused as refusal:
        raise HTTPException(404, "no such webhook") from refusal
    return Response(status_code=204)


async def list_deliveries(request: Request) -> Response:
    _admin(request)
    endpoint_id = path_id(request.path_params["webhook_id"])
    await _endpoint_json(request, endpoint_id)
    status = request.query_params.get("status") or None
    if status is not None and status not in {s.value for s in DeliveryStatus}:
        raise HTTPException(400, "status must be one of " + ", ".join(s.value for s in DeliveryStatus))
    limit = min(optional_int(request.query_params.get("limit"), "limit") or 50, MAX_DELIVERIES)
    async with request.app.state.store.read() as session:
        found = await webhook_queries.deliveries(session, endpoint_id, limit=max(1, limit), status=status)
    return JSONResponse({"deliveries": [api_shapes.webhook_delivery(d) for d in found]})


async def redeliver(request: Request) -> Response:
    viewer = _admin(request)
    endpoint_id = path_id(request.path_params["webhook_id"])
    delivery_id = path_id(request.path_params["delivery_id"])
    async with request.app.state.store.read() as session:
        found = await webhook_queries.delivery(session, endpoint_id, delivery_id)
    if found is None:
        raise HTTPException(404, "no such delivery")
    await do_redeliver_webhook(request.app.state.store, delivery_id=found.id, actor_agent_id=viewer.agent_id)
    return JSONResponse({"delivery_id": found.id, "queued": True}, status_code=202)


routes = [
    Route("/api/v1/webhooks", list_webhooks, methods=["GET"]),
    Route("/api/v1/webhooks", create_webhook, methods=["POST"]),
    Route("/api/v1/webhooks/{webhook_id}", get_webhook, methods=["GET"]),
    Route("/api/v1/webhooks/{webhook_id}", update_webhook, methods=["PATCH"]),
    Route("/api/v1/webhooks/{webhook_id}", delete_webhook, methods=["DELETE"]),
    Route("/api/v1/webhooks/{webhook_id}/deliveries", list_deliveries, methods=["GET"]),
    Route("/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver", redeliver, methods=["POST"]),
]

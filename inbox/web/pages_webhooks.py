"""Settings → Webhooks: admins register endpoints, switch them on and off, read each one's delivery log and
redeliver. Anyone else is answered 404, as for any page out of reach."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
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
from inbox.models import WebhookEndpoint
from inbox.web.csrf import verified_form
from inbox.web.params import path_id
from inbox.web.templating import render
from inbox.webhook_events import EVENT_KINDS
from inbox.webhook_signature import SIGNATURE_HEADER

BASE = "/settings/webhooks"


def _admin(request: Request) -> Viewer:
    viewer: Viewer = request.state.viewer
    if not viewer.sees_everything:
        raise HTTPException(404)
    return viewer


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _events(form: FormData) -> list[str]:
    return [value for value in form.getlist("events") if isinstance(value, str)]


async def _endpoint(request: Request) -> WebhookEndpoint:
    async with request.app.state.store.read() as session:
        found = await webhook_queries.endpoint(session, path_id(request.path_params["webhook_id"]))
    if found is None:
        raise HTTPException(404)
    return found


async def _list(
    request: Request, *, problem: str | None = None, new_secret: str | None = None, status_code: int = 200
) -> Response:
    async with request.app.state.store.read() as session:
        endpoints = await webhook_queries.endpoints(session)
        counts = await webhook_queries.delivery_counts(session)
    context = {
        "endpoints": endpoints,
        "counts": counts,
        "event_kinds": EVENT_KINDS,
        "problem": problem,
        "new_secret": new_secret,
        "signature_header": SIGNATURE_HEADER,
        "tolerance": request.app.state.settings.webhooks.signature_tolerance_seconds,
    }
    return render(request, "webhooks.html", context, status_code)


async def index(request: Request) -> Response:
    _admin(request)
    return await _list(request)


async def create(request: Request) -> Response:
    viewer = _admin(request)
    form = await verified_form(request)
    try:
        created = await do_create_webhook_endpoint(
            request.app.state.store,
            url=_text(form, "url"),
            events=_events(form),
            description=_text(form, "description"),
            secret=_text(form, "secret") or None,
            actor_agent_id=viewer.agent_id,
        )
    except EndpointRefused as refusal:
        return await _list(request, problem=str(refusal), status_code=422)
    # The only time the secret is shown: the admin copies it into the receiving system now.
    return await _list(request, new_secret=created.secret, status_code=201)


async def detail(request: Request, *, problem: str | None = None, status_code: int = 200) -> Response:
    _admin(request)
    endpoint = await _endpoint(request)
    status = request.query_params.get("status") or None
    async with request.app.state.store.read() as session:
        deliveries = await webhook_queries.deliveries(session, endpoint.id, status=status)
    context = {"endpoint": endpoint, "deliveries": deliveries, "event_kinds": EVENT_KINDS, "problem": problem}
    return render(request, "webhooks_endpoint.html", context, status_code)


async def show(request: Request) -> Response:
    return await detail(request)


async def update(request: Request) -> Response:
    viewer = _admin(request)
    form = await verified_form(request)
    endpoint = await _endpoint(request)
    try:
        await do_update_webhook_endpoint(
            request.app.state.store,
            endpoint_id=endpoint.id,
            url=_text(form, "url"),
            events=_events(form),
            description=_text(form, "description"),
            active=_text(form, "active") == "on",
            secret=_text(form, "secret") or None,
            actor_agent_id=viewer.agent_id,
        )
    except EndpointRefused as refusal:
        return await detail(request, problem=str(refusal), status_code=422)
    return RedirectResponse(f"{BASE}/{endpoint.id}", status_code=303)


async def delete(request: Request) -> Response:
    viewer = _admin(request)
    await verified_form(request)
    endpoint = await _endpoint(request)
    await do_delete_webhook_endpoint(request.app.state.store, endpoint_id=endpoint.id, actor_agent_id=viewer.agent_id)
    return RedirectResponse(BASE, status_code=303)


async def redeliver(request: Request) -> Response:
    viewer = _admin(request)
    await verified_form(request)
    endpoint = await _endpoint(request)
    async with request.app.state.store.read() as session:
        found = await webhook_queries.delivery(session, endpoint.id, path_id(request.path_params["delivery_id"]))
    if found is None:
        raise HTTPException(404)
    await do_redeliver_webhook(request.app.state.store, delivery_id=found.id, actor_agent_id=viewer.agent_id)
    return RedirectResponse(f"{BASE}/{endpoint.id}", status_code=303)


routes = [
    Route(BASE, index, methods=["GET"]),
    Route(BASE, create, methods=["POST"]),
    Route(BASE + "/{webhook_id}", show, methods=["GET"]),
    Route(BASE + "/{webhook_id}", update, methods=["POST"]),
    Route(BASE + "/{webhook_id}/delete", delete, methods=["POST"]),
    Route(BASE + "/{webhook_id}/deliveries/{delivery_id}/redeliver", redeliver, methods=["POST"]),
]

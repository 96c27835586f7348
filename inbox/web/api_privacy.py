"""The customer archive's privacy operations in the REST API: the masked profile, revealing one sensitive field,
exporting everything held about a customer, and erasing the customer. Token-authenticated like all of /api/v1;
reveal needs a supervisor or admin, export and erase an admin; each is audited by its action. A customer out of
the caller's reach answers 404.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from inbox.access import ROLE_ADMIN, Viewer, visible_contact
from inbox.actions.customer_erase import EraseRefused, do_erase_customer
from inbox.actions.privacy import AdminRequired, RevealRefused, do_reveal_sensitive
from inbox.actions.record_read import do_record_contact_read
from inbox.crypto.masking import masked_profile
from inbox.models import Contact
from inbox.web.params import path_id
from inbox.web.privacy_pages import export_response, origin_of


async def _reachable(request: Request) -> tuple[Viewer, Contact]:
    viewer: Viewer = request.state.viewer
    async with request.app.state.store.read() as session:
        found = await visible_contact(session, viewer, path_id(request.path_params["contact_id"]))
    if found is None or found.merged_into_id is not None:
        raise HTTPException(404, "no such customer")
    return viewer, found


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise HTTPException(400, "the body must be a JSON object") from exc
    if not isinstance(body, dict):
        raise HTTPException(400, "the body must be a JSON object")
    return body


def _require_admin(viewer: Viewer) -> None:
    if viewer.role != ROLE_ADMIN:
        raise HTTPException(403, "only an admin may export or erase a customer's data")


async def sensitive_fields(request: Request) -> Response:
    """Which sensitive fields the customer has, masked; reading it is audited like any customer read."""
    viewer, contact = await _reachable(request)
    masked = masked_profile(contact, request.app.state.settings.privacy.sensitive_attributes)
    await do_record_contact_read(
        request.app.state.store, actor_agent_id=viewer.agent_id, contact_id=contact.id, via="api sensitive fields"
    )
    return JSONResponse({"contact_id": contact.id, "fields": masked})


async def reveal(request: Request) -> Response:
    viewer, contact = await _reachable(request)
    field = (await _json_body(request)).get("field")
    if not isinstance(field, str) or not field:
        raise HTTPException(400, "field must name a sensitive field")
    try:
        value = await do_reveal_sensitive(
            request.app.state.store, contact.id, field, viewer.agent_id, origin=origin_of(request, "api")
        )
    except RevealRefused as refusal:
        return JSONResponse({"error": "refused", "detail": str(refusal)}, status_code=403)
    return JSONResponse({"field": field, "value": value}, headers={"Cache-Control": "no-store"})


async def export(request: Request) -> Response:
    viewer, contact = await _reachable(request)
    _require_admin(viewer)
    app = request.app
    return await export_response(app.state.store, app.state.blobs, contact.id, viewer, app.state.settings.data_dir)


async def erase(request: Request) -> Response:
    """Irreversible: the body must repeat the customer's id as ``confirm``."""
    viewer, contact = await _reachable(request)
    _require_admin(viewer)
    if (await _json_body(request)).get("confirm") != contact.id:
        raise HTTPException(400, "confirm must repeat the customer's id: erasure cannot be undone")
    try:
        summary = await do_erase_customer(
            request.app.state.store, request.app.state.blobs, contact.id, actor_agent_id=viewer.agent_id
        )
    except AdminRequired as refusal:
        raise HTTPException(403, str(refusal)) from None
    except EraseRefused as refusal:
        raise HTTPException(409, str(refusal)) from None
    return JSONResponse(
        {
            "contact_ids": summary.contact_ids,
            "messages": summary.messages,
            "identities": summary.identities,
            "attachments": summary.attachments,
            "raw_payloads": summary.raw_payloads,
            "files": summary.files,
        }
    )


routes = [
    Route("/api/v1/contacts/{contact_id}/sensitive", sensitive_fields, methods=["GET"]),
    Route("/api/v1/contacts/{contact_id}/reveal", reveal, methods=["POST"]),
    Route("/api/v1/contacts/{contact_id}/export", export, methods=["POST"]),
    Route("/api/v1/contacts/{contact_id}/erase", erase, methods=["POST"]),
]

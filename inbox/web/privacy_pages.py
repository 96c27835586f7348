"""The customer's sensitive fields and own data in the web UI: reveal one masked field (supervisors and admins,
each reveal audited with who, when and from where), export everything as a zip, and erase the customer (admins,
with a confirmation step; irreversible). A customer out of the viewer's reach answers 404 as everywhere else;
one within reach but beyond the viewer's permission answers 403.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from inbox.access import ROLE_ADMIN, Viewer
from inbox.actions.customer_erase import EraseRefused, do_erase_customer
from inbox.actions.customer_export import ExportRefused, do_export_customer
from inbox.actions.privacy import AdminRequired, RevealRefused, do_reveal_sensitive
from inbox.blobs import BlobStore
from inbox.models import utcnow
from inbox.store import Store
from inbox.web.composer_form import text_field
from inbox.web.csrf import verified_form
from inbox.web.flash import flash
from inbox.web.pages_customer import reachable_contact
from inbox.web.templating import render

ERASE_WORD = "ERASE"


def origin_of(request: Request, via: str) -> str:
    """Where a request came from, for the audit trail: the page or API, and the client's address."""
    client = request.client.host if request.client else "unknown address"
    return f"{via} from {client}"


def _private_file(data_dir: Path) -> Path:
    """A new empty file only its owner can read, in the data folder's exports area."""
    folder = data_dir / "exports"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor, name = tempfile.mkstemp(dir=folder, prefix="export-", suffix=".zip")
    os.close(descriptor)
    return Path(name)


async def export_response(store: Store, blobs: BlobStore, contact_id: int, viewer: Viewer, data_dir: Path) -> Response:
    """Write the export to a private temporary file, hand it to the browser, and delete it afterwards."""
    path = await asyncio.to_thread(_private_file, data_dir)
    try:
        await do_export_customer(store, blobs, contact_id, path, actor_agent_id=viewer.agent_id)
    except (AdminRequired, ExportRefused) as refusal:
        await asyncio.to_thread(path.unlink, missing_ok=True)
        raise HTTPException(403 if isinstance(refusal, AdminRequired) else 409, str(refusal)) from None
    name = f"customer-{contact_id}-{utcnow():%Y%m%d-%H%M%S}.zip"
    return FileResponse(
        path,
        media_type="application/zip",
        filename=name,
        headers={"Cache-Control": "no-store"},
        background=BackgroundTask(path.unlink, missing_ok=True),
    )


async def reveal(request: Request) -> Response:
    form = await verified_form(request)
    viewer, contact = await reachable_contact(request)
    field = text_field(form, "field")
    try:
        value = await do_reveal_sensitive(
            request.app.state.store, contact.id, field, viewer.agent_id, origin=origin_of(request, "web")
        )
    except RevealRefused as refusal:
        return JSONResponse({"error": "refused", "detail": str(refusal)}, status_code=403)
    return JSONResponse({"field": field, "value": value}, headers={"Cache-Control": "no-store"})


async def export(request: Request) -> Response:
    await verified_form(request)
    viewer, contact = await reachable_contact(request)
    if viewer.role != ROLE_ADMIN:
        raise HTTPException(403, "Only an admin may export a customer's data.")
    app = request.app
    return await export_response(app.state.store, app.state.blobs, contact.id, viewer, app.state.settings.data_dir)


async def erase_page(request: Request) -> Response:
    viewer, contact = await reachable_contact(request)
    if viewer.role != ROLE_ADMIN:
        raise HTTPException(403, "Only an admin may erase a customer.")
    return render(request, "customer_erase.html", {"contact": contact, "word": ERASE_WORD, "problem": None})


async def erase(request: Request) -> Response:
    form = await verified_form(request)
    viewer, contact = await reachable_contact(request)
    if viewer.role != ROLE_ADMIN:
        raise HTTPException(403, "Only an admin may erase a customer.")
    if text_field(form, "confirm").strip() != ERASE_WORD:
        context = {"contact": contact, "word": ERASE_WORD, "problem": f"Type {ERASE_WORD} to confirm."}
        return render(request, "customer_erase.html", context, 422)
    try:
        summary = await do_erase_customer(
            request.app.state.store, request.app.state.blobs, contact.id, actor_agent_id=viewer.agent_id
        )
    except (AdminRequired, EraseRefused) as refusal:
        context = {"contact": contact, "word": ERASE_WORD, "problem": str(refusal)}
        return render(request, "customer_erase.html", context, 422)
    flash(
        request,
        f"Customer #{contact.id} erased: {summary.messages} messages, {summary.identities} identities "
        f"and {summary.files} files destroyed.",
    )
    return RedirectResponse(f"/customers/{contact.id}", status_code=303)


routes = [
    Route("/customers/{contact_id}/reveal", reveal, methods=["POST"]),
    Route("/customers/{contact_id}/export", export, methods=["POST"]),
    Route("/customers/{contact_id}/erase", erase_page, methods=["GET"]),
    Route("/customers/{contact_id}/erase", erase, methods=["POST"]),
]

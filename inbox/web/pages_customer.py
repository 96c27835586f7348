"""The customer page: the full customer panel, editing the record, and merging a duplicate into it.

Everyone who can see a customer (see ``inbox.access.visible_contact``) may open, edit and merge it; the merge
needs both records within reach and a confirmation step, and is audited by ``do_merge_contacts``.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from inbox.access import Viewer, visible_contact
from inbox.actions.customer_edit import UNCHANGED, CustomerEdit, EditRefused, do_edit_customer
from inbox.actions.merge import MergeRefused, do_merge_contacts
from inbox.actions.record_read import do_record_contact_read
from inbox.customer_panel import customer_file, merge_candidates
from inbox.models import Contact
from inbox.web.composer_form import text_field
from inbox.web.csrf import verified_form
from inbox.web.flash import flash, take_flash
from inbox.web.params import optional_int, path_id
from inbox.web.templating import render

ATTRIBUTE_FIELD = "attr:"
SENSITIVE_FIELD = "secret:"


async def reachable_contact(request: Request, contact_id: int | None = None) -> tuple[Viewer, Contact]:
    """The customer in the path (or ``contact_id``), if the viewer may see it; 404 otherwise."""
    viewer: Viewer = request.state.viewer
    wanted = contact_id if contact_id is not None else path_id(request.path_params["contact_id"])
    async with request.app.state.store.read() as session:
        contact = await visible_contact(session, viewer, wanted)
    if contact is None or contact.merged_into_id is not None:
        raise HTTPException(404)
    return viewer, contact


async def customer_page(request: Request, *, problem: str | None = None, status_code: int = 200) -> Response:
    viewer, contact = await reachable_contact(request)
    sensitive = request.app.state.settings.privacy.sensitive_attributes
    async with request.app.state.store.read() as session:
        panel = await customer_file(session, viewer, contact, sensitive)
    await do_record_contact_read(
        request.app.state.store, actor_agent_id=viewer.agent_id, contact_id=contact.id, via="customer page"
    )
    context = {
        "panel": panel,
        "problem": problem,
        "notice": take_flash(request),
        "sensitive_attribute_names": list(sensitive),
    }
    return render(request, "customer.html", context, status_code)


async def show(request: Request) -> Response:
    return await customer_page(request)


def _edit_from(form: dict[str, str]) -> CustomerEdit:
    attributes: dict[str, str | None] = {}
    for key, value in form.items():
        if key.startswith(ATTRIBUTE_FIELD):
            # An emptied box removes the attribute.
            attributes[key.removeprefix(ATTRIBUTE_FIELD)] = value.strip() or None
        elif key.startswith(SENSITIVE_FIELD) and value.strip():
            # Sensitive values are never shown in the form, so an empty box means "leave as it is".
            attributes[key.removeprefix(SENSITIVE_FIELD)] = value.strip()
    new_name, new_value = form.get("new_attribute", "").strip(), form.get("new_value", "").strip()
    if new_name and new_value:
        attributes[new_name] = new_value
    attributes = {name: value for name, value in attributes.items() if name != "region"}
    return CustomerEdit(
        name=form.get("name", UNCHANGED),
        language=form.get("language", UNCHANGED),
        timezone=form.get("timezone", UNCHANGED),
        region=form.get("region", UNCHANGED),
        attributes=attributes,
    )


async def edit(request: Request) -> Response:
    form = await verified_form(request)
    viewer, contact = await reachable_contact(request)
    fields = {key: value for key, value in form.multi_items() if isinstance(value, str)}
    try:
        changed = await do_edit_customer(
            request.app.state.store, contact.id, _edit_from(fields), actor_agent_id=viewer.agent_id
        )
    except EditRefused as refusal:
        return await customer_page(request, problem=str(refusal), status_code=422)
    flash(request, "Saved." if changed else "Nothing changed.")
    return RedirectResponse(f"/customers/{contact.id}", status_code=303)


async def merge_page(request: Request) -> Response:
    """Search for the duplicate (``q``), then confirm merging the picked one (``other``) into this record."""
    viewer, contact = await reachable_contact(request)
    query = (request.query_params.get("q") or "").strip()
    other_id = optional_int(request.query_params.get("other"), "other")
    other = None
    if other_id is not None:
        _, other = await reachable_contact(request, other_id)
        if other.id == contact.id:
            raise HTTPException(400, "a customer cannot be merged into itself")
    async with request.app.state.store.read() as session:
        candidates = await merge_candidates(session, viewer, contact.id, query) if query else []
    context = {"contact": contact, "query": query, "candidates": candidates, "other": other}
    return render(request, "customer_merge.html", context)


async def merge(request: Request) -> Response:
    form = await verified_form(request)
    viewer, survivor = await reachable_contact(request)
    other_id = optional_int(text_field(form, "other_id"), "other_id")
    if other_id is None:
        raise HTTPException(400, "pick the record to merge")
    _, merged = await reachable_contact(request, other_id)
    if text_field(form, "confirm") != "yes":
        return RedirectResponse(f"/customers/{survivor.id}/merge?other={merged.id}", status_code=303)
    try:
        await do_merge_contacts(
            request.app.state.store, survivor_id=survivor.id, merged_id=merged.id, actor_agent_id=viewer.agent_id
        )
    except MergeRefused as refusal:
        return await customer_page(request, problem=str(refusal), status_code=422)
    flash(request, f"Merged customer #{merged.id} into this record.")
    return RedirectResponse(f"/customers/{survivor.id}", status_code=303)


routes = [
    Route("/customers/{contact_id}", show, methods=["GET"]),
    Route("/customers/{contact_id}/edit", edit, methods=["POST"]),
    Route("/customers/{contact_id}/merge", merge_page, methods=["GET"]),
    Route("/customers/{contact_id}/merge", merge, methods=["POST"]),
]

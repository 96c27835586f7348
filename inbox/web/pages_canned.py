"""Canned responses: the management page for supervisors and admins, and inserting one into the composer.

Inserting renders the response for the conversation's customer in the sandbox; a template that fails for this
customer answers with the reason, and nothing is put into the composer, let alone sent.
"""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from inbox import canned_responses
from inbox.access import Viewer, visible_conversation
from inbox.actions.canned_response import (
    CannedDraft,
    CannedRefused,
    do_delete_canned_response,
    do_save_canned_response,
    may_manage,
)
from inbox.inbox_views import teams
from inbox.models import CannedResponse
from inbox.web.composer_form import text_field
from inbox.web.csrf import verified_form
from inbox.web.flash import flash, take_flash
from inbox.web.params import optional_int, path_id
from inbox.web.templating import render


def _manager(request: Request) -> Viewer:
    viewer: Viewer = request.state.viewer
    if not viewer.oversees_teams:
        raise HTTPException(403, "Canned responses are managed by supervisors and admins.")
    return viewer


async def _page(
    request: Request,
    *,
    editing: CannedResponse | None = None,
    draft: CannedDraft | None = None,
    problem: str | None = None,
    status_code: int = 200,
) -> Response:
    viewer = _manager(request)
    async with request.app.state.store.read() as session:
        responses = await canned_responses.available(session, viewer)
        all_teams = await teams(session)
    team_names = {team.id: team.name for team in all_teams}
    context = {
        "responses": responses,
        "team_names": team_names,
        "teams": [team for team in all_teams if may_manage(viewer, team.id)],
        "may_share": may_manage(viewer, None),
        "editing": editing,
        "draft": draft,
        "problem": problem,
        "notice": take_flash(request),
        "variables": canned_responses.VARIABLES,
    }
    return render(request, "canned_responses.html", context, status_code)


async def index(request: Request) -> Response:
    return await _page(request)


async def _editable(request: Request) -> CannedResponse:
    viewer = _manager(request)
    async with request.app.state.store.read() as session:
        found = await canned_responses.usable(session, viewer, path_id(request.path_params["canned_id"]))
    if found is None or not may_manage(viewer, found.team_id):
        raise HTTPException(404)
    return found


async def edit_page(request: Request) -> Response:
    return await _page(request, editing=await _editable(request))


def _draft(form: FormData) -> CannedDraft:
    return CannedDraft(
        shortcut=text_field(form, "shortcut"),
        title=text_field(form, "title"),
        body=text_field(form, "body"),
        team_id=optional_int(text_field(form, "team_id"), "team_id"),
    )


async def create(request: Request) -> Response:
    form = await verified_form(request)
    viewer = _manager(request)
    draft = _draft(form)
    try:
        await do_save_canned_response(request.app.state.store, draft, actor_agent_id=viewer.agent_id)
    except CannedRefused as refusal:
        return await _page(request, draft=draft, problem=str(refusal), status_code=422)
    flash(request, f"Saved {draft.shortcut.strip().lower()}.")
    return RedirectResponse("/canned-responses", status_code=303)


async def update(request: Request) -> Response:
    form = await verified_form(request)
    existing = await _editable(request)
    viewer = _manager(request)
    draft = _draft(form)
    try:
        await do_save_canned_response(
            request.app.state.store, draft, actor_agent_id=viewer.agent_id, canned_id=existing.id
        )
    except CannedRefused as refusal:
        return await _page(request, editing=existing, draft=draft, problem=str(refusal), status_code=422)
    flash(request, f"Saved {draft.shortcut.strip().lower()}.")
    return RedirectResponse("/canned-responses", status_code=303)


async def delete(request: Request) -> Response:
    await verified_form(request)
    existing = await _editable(request)
    viewer = _manager(request)
    try:
        await do_delete_canned_response(request.app.state.store, existing.id, actor_agent_id=viewer.agent_id)
    except CannedRefused as refusal:
        return await _page(request, problem=str(refusal), status_code=422)
    flash(request, f"Deleted {existing.shortcut}.")
    return RedirectResponse("/canned-responses", status_code=303)


async def insert(request: Request) -> Response:
    """The response rendered for this conversation's customer, as JSON for the composer's script."""
    viewer: Viewer = request.state.viewer
    sensitive = request.app.state.settings.privacy.sensitive_attributes
    async with request.app.state.store.read() as session:
        conversation = await visible_conversation(session, viewer, path_id(request.path_params["conversation_id"]))
        if conversation is None:
            raise HTTPException(404)
        try:
            text = await canned_responses.render_for_conversation(
                session, viewer, conversation, path_id(request.path_params["canned_id"]), sensitive
            )
        except canned_responses.TemplateProblem as problem:
            return JSONResponse({"error": "template", "detail": str(problem)}, status_code=422)
    if text is None:
        raise HTTPException(404)
    return JSONResponse({"text": text})


routes = [
    Route("/canned-responses", index, methods=["GET"]),
    Route("/canned-responses", create, methods=["POST"]),
    Route("/canned-responses/{canned_id}", edit_page, methods=["GET"]),
    Route("/canned-responses/{canned_id}", update, methods=["POST"]),
    Route("/canned-responses/{canned_id}/delete", delete, methods=["POST"]),
    Route("/conversations/{conversation_id}/canned/{canned_id}", insert, methods=["GET"]),
]

"""The agent's "Follow-ups" page: return visits due today (overdue first) and the coming week, each to be marked
done with its outcome or moved to another time."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from inbox.access import Viewer
from inbox.actions.follow_up import FollowUpRefused, do_complete_follow_up, do_reschedule_follow_up
from inbox.follow_up_queries import agent_follow_ups, follow_up_for, overseen_agent
from inbox.models import utcnow
from inbox.web.csrf import verified_form
from inbox.web.params import optional_int, path_id
from inbox.web.templating import render


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _viewer(request: Request) -> Viewer:
    viewer: Viewer = request.state.viewer
    if not viewer.reads_conversations:
        raise HTTPException(403, "Your role does not include working with customers.")
    return viewer


async def follow_ups_page(request: Request, *, problem: str | None = None, status_code: int = 200) -> Response:
    viewer = _viewer(request)
    # A supervisor may look at a team member's list (?agent=ID) to cover an absence or check on the work.
    wanted = optional_int(request.query_params.get("agent"), "agent") or viewer.agent_id
    async with request.app.state.store.read() as session:
        agent = await overseen_agent(session, viewer, wanted)
        if agent is None:
            raise HTTPException(404)
        today, later = await agent_follow_ups(session, agent.id, utcnow())
    context = {"today": today, "later": later, "problem": problem, "owner": agent}
    return render(request, "follow_ups.html", context, status_code=status_code)


async def _target(request: Request, viewer: Viewer) -> int:
    follow_up_id = path_id(request.path_params["follow_up_id"])
    async with request.app.state.store.read() as session:
        found = await follow_up_for(session, viewer, follow_up_id)
    if found is None:
        raise HTTPException(404)
    return follow_up_id


async def mark_done(request: Request) -> Response:
    form = await verified_form(request)
    viewer = _viewer(request)
    follow_up_id = await _target(request, viewer)
    try:
        await do_complete_follow_up(
            request.app.state.store, follow_up_id=follow_up_id, agent_id=viewer.agent_id, outcome=_text(form, "outcome")
        )
    except FollowUpRefused as refusal:
        return await follow_ups_page(request, problem=str(refusal), status_code=422)
    return RedirectResponse("/follow-ups", status_code=303)


async def reschedule(request: Request) -> Response:
    form = await verified_form(request)
    viewer = _viewer(request)
    follow_up_id = await _target(request, viewer)
    try:
        moment = datetime.fromisoformat(_text(form, "due_at"))
    except ValueError:
        return await follow_ups_page(request, problem="give the new date and time", status_code=422)
    # A browser's datetime-local field has no zone; the hub's pages show UTC, so it is read as UTC.
    due_at = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    try:
        await do_reschedule_follow_up(
            request.app.state.store, follow_up_id=follow_up_id, agent_id=viewer.agent_id, due_at=due_at
        )
    except FollowUpRefused as refusal:
        return await follow_ups_page(request, problem=str(refusal), status_code=422)
    return RedirectResponse("/follow-ups", status_code=303)


async def follow_ups(request: Request) -> Response:
    return await follow_ups_page(request)


routes = [
    Route("/follow-ups", follow_ups, methods=["GET"]),
    Route("/follow-ups/{follow_up_id}/done", mark_done, methods=["POST"]),
    Route("/follow-ups/{follow_up_id}/reschedule", reschedule, methods=["POST"]),
]

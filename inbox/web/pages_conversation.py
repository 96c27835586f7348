"""The conversation page and its forms: reply or note, status, assignment. Handlers check access, validate, and
hand over to the actions."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from inbox.access import Viewer, visible_conversation
from inbox.actions.record_read import do_record_contact_read
from inbox.actions.reply import ReplyRefused, do_reply
from inbox.actions.status import StatusRefused, do_set_status
from inbox.actions.transfer import TransferRefused, do_assign_manually
from inbox.conversation_view import REPLY_CHANNELS, conversation_page
from inbox.inbox_views import handling_agents, teams
from inbox.models import Conversation
from inbox.web.csrf import verified_form
from inbox.web.params import STATUS_CHOICES, optional_int, path_id
from inbox.web.templating import render


async def _reachable(request: Request) -> tuple[Viewer, Conversation]:
    """The conversation in the path, if the viewer may read it; 404 whether it is missing or out of reach."""
    viewer: Viewer = request.state.viewer
    conversation_id = path_id(request.path_params["conversation_id"])
    async with request.app.state.store.read() as session:
        conversation = await visible_conversation(session, viewer, conversation_id)
    if conversation is None:
        raise HTTPException(404)
    return viewer, conversation


async def show(request: Request, *, problem: str | None = None, status_code: int = 200) -> Response:
    viewer, conversation = await _reachable(request)
    async with request.app.state.store.read() as session:
        page = await conversation_page(session, viewer, conversation)
        all_teams = await teams(session)
        agents = await handling_agents(session)
    await do_record_contact_read(
        request.app.state.store,
        actor_agent_id=viewer.agent_id,
        contact_id=page.customer.contact.id,
        conversation_id=conversation.id,
        via="conversation page",
    )
    context = {
        "page": page,
        "reply_channels": REPLY_CHANNELS,
        "statuses": STATUS_CHOICES,
        "teams": all_teams,
        "agents": agents,
        "problem": problem,
    }
    return render(request, "conversation.html", context, status_code)


async def conversation(request: Request) -> Response:
    return await show(request)


def _back(conversation_id: int, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/conversations/{conversation_id}{anchor}", status_code=303)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


async def reply(request: Request) -> Response:
    form = await verified_form(request)
    viewer, target = await _reachable(request)
    channel = _text(form, "channel") or None
    if channel is not None and channel not in REPLY_CHANNELS:
        raise HTTPException(400, "unknown channel")
    try:
        await do_reply(
            request.app.state.store,
            conversation_id=target.id,
            agent_id=viewer.agent_id,
            text=_text(form, "text"),
            channel=channel,
            note=_text(form, "note") == "on",
        )
    except ReplyRefused as refusal:
        return await show(request, problem=str(refusal), status_code=422)
    return _back(target.id, "#composer")


def _snooze_time(form: FormData) -> datetime | None:
    raw = _text(form, "snoozed_until")
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise HTTPException(400, "snoozed_until must be a date and time") from exc
    # A browser's datetime-local field has no zone; the hub's pages show UTC, so it is read as UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def set_status(request: Request) -> Response:
    form = await verified_form(request)
    viewer, target = await _reachable(request)
    try:
        await do_set_status(
            request.app.state.store,
            conversation_id=target.id,
            status=_text(form, "status"),
            actor_agent_id=viewer.agent_id,
            snoozed_until=_snooze_time(form),
        )
    except StatusRefused as refusal:
        return await show(request, problem=str(refusal), status_code=422)
    return _back(target.id)


async def assign(request: Request) -> Response:
    form = await verified_form(request)
    viewer, target = await _reachable(request)
    agent_id = optional_int(_text(form, "agent_id"), "agent_id")
    team_id = optional_int(_text(form, "team_id"), "team_id")
    try:
        await do_assign_manually(
            request.app.state.store,
            conversation_id=target.id,
            agent_id=agent_id,
            team_id=team_id,
            actor_agent_id=viewer.agent_id,
        )
    except TransferRefused as refusal:
        return await show(request, problem=str(refusal), status_code=422)
    async with request.app.state.store.read() as session:
        still_visible = await visible_conversation(session, viewer, target.id) is not None
    # Handing work to another team takes it out of the agent's reach: back to the inbox then.
    return _back(target.id) if still_visible else RedirectResponse("/", status_code=303)


routes = [
    Route("/conversations/{conversation_id}", conversation, methods=["GET"]),
    Route("/conversations/{conversation_id}/reply", reply, methods=["POST"]),
    Route("/conversations/{conversation_id}/status", set_status, methods=["POST"]),
    Route("/conversations/{conversation_id}/assign", assign, methods=["POST"]),
]

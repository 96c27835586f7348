"""The conversation page and its forms: reply (with CC and files) or private note, labels, status, assignment,
call-back. Handlers check access, validate, and hand over to the actions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from channels.sms_segments import GSM7_BASIC, GSM7_EXTENSION
from inbox import canned_responses
from inbox.access import Viewer, visible_conversation
from inbox.actions.callback import CallbackRefused, do_request_callback
from inbox.actions.label import LabelRefused, do_add_label, do_remove_label
from inbox.actions.note import NoteRefused, do_add_note
from inbox.actions.record_read import do_record_contact_read
from inbox.actions.reply import ReplyRefused, do_reply
from inbox.actions.status import StatusRefused, do_set_status
from inbox.actions.transfer import TransferRefused, do_assign_manually
from inbox.conversation_view import REPLY_CHANNELS, conversation_page
from inbox.customer_panel import customer_file
from inbox.inbox_views import handling_agents, teams
from inbox.models import Agent, Conversation, utcnow
from inbox.reply_files import FilesRefused, store_uploads
from inbox.routing_explanation import routing_story
from inbox.snooze_choices import CHOICES as SNOOZE_CHOICES
from inbox.snooze_choices import UnknownChoice, snooze_until
from inbox.web.composer_form import composer_input, refuse_oversized, text_field
from inbox.web.csrf import verified_form
from inbox.web.flash import flash, take_flash
from inbox.web.params import STATUS_CHOICES, optional_int, path_id
from inbox.web.recovery_context import recovery_context
from inbox.web.templating import render

SMS_ALPHABET = {"basic": "".join(sorted(GSM7_BASIC)), "extension": "".join(sorted(GSM7_EXTENSION))}


async def _reachable(request: Request) -> tuple[Viewer, Conversation]:
    """The conversation in the path, if the viewer may read it; 404 whether it is missing or out of reach."""
    viewer: Viewer = request.state.viewer
    conversation_id = path_id(request.path_params["conversation_id"])
    async with request.app.state.store.read() as session:
        conversation = await visible_conversation(session, viewer, conversation_id)
    if conversation is None:
        raise HTTPException(404)
    return viewer, conversation


async def _canned_draft(request: Request, viewer: Viewer, conversation: Conversation) -> tuple[str, str | None]:
    """``?canned=ID`` (the composer's insert button without script): the rendered text, or the problem."""
    canned_id = optional_int(request.query_params.get("canned"), "canned")
    if canned_id is None:
        return "", None
    sensitive = request.app.state.settings.privacy.sensitive_attributes
    try:
        async with request.app.state.store.read() as session:
            text = await canned_responses.render_for_conversation(session, viewer, conversation, canned_id, sensitive)
    except canned_responses.TemplateProblem as problem:
        return "", f"The canned response cannot be used for this customer: {problem}"
    if text is None:
        raise HTTPException(404)
    return text, None


async def show(
    request: Request, *, problem: str | None = None, status_code: int = 200, draft: dict[str, Any] | None = None
) -> Response:
    viewer, conversation = await _reachable(request)
    settings = request.app.state.settings
    async with request.app.state.store.read() as session:
        page = await conversation_page(session, viewer, conversation)
        panel = await customer_file(session, viewer, page.customer.contact, settings.privacy.sensitive_attributes)
        canned = await canned_responses.available(session, viewer)
        routing = await routing_story(session, conversation.id)
        all_teams = await teams(session)
        agents = await handling_agents(session)
    await do_record_contact_read(
        request.app.state.store,
        actor_agent_id=viewer.agent_id,
        contact_id=page.customer.contact.id,
        conversation_id=conversation.id,
        via="conversation page",
    )
    draft = dict(draft or {})
    if "text" not in draft:
        inserted, canned_problem = await _canned_draft(request, viewer, conversation)
        draft["text"] = inserted
        problem = problem or canned_problem
    context = {
        "page": page,
        "panel": panel,
        "canned": canned,
        "routing": routing,
        "reply_channels": REPLY_CHANNELS,
        "statuses": STATUS_CHOICES,
        "snooze_choices": SNOOZE_CHOICES,
        "teams": all_teams,
        "agents": agents,
        "problem": problem,
        "notice": take_flash(request),
        "draft": draft,
        "limits": settings.collaboration,
        # The composer's segment counter reads the alphabet from here, so it counts as the SMS channel does.
        "sms_alphabet": SMS_ALPHABET,
        "recovery": await recovery_context(request, conversation.id),
    }
    return render(request, "conversation.html", context, status_code)


async def conversation(request: Request) -> Response:
    return await show(request)


def _back(conversation_id: int, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/conversations/{conversation_id}{anchor}", status_code=303)


async def reply(request: Request) -> Response:
    limits = request.app.state.settings.collaboration
    refuse_oversized(request, limits)
    form = await verified_form(request)
    viewer, target = await _reachable(request)
    draft = {"text": text_field(form, "text"), "cc": text_field(form, "cc"), "note": text_field(form, "note") == "on"}
    store = request.app.state.store
    try:
        given = await composer_input(form, limits)
        if given.note:
            noted = await do_add_note(store, conversation_id=target.id, agent_id=viewer.agent_id, text=given.text)
            if noted.not_notified:
                flash(request, "Note added. Not notified: " + "; ".join(noted.not_notified))
            elif noted.notified:
                flash(request, "Note added; notified " + ", ".join(noted.notified))
            return _back(target.id, "#composer")
        stored = await store_uploads(request.app.state.blobs, given.uploads)
        await do_reply(
            store,
            conversation_id=target.id,
            agent_id=viewer.agent_id,
            text=given.text,
            channel=given.channel,
            cc=given.cc,
            attachments=stored,
        )
    except (ReplyRefused, NoteRefused, FilesRefused) as refusal:
        return await show(request, problem=str(refusal), status_code=422, draft=draft)
    return _back(target.id, "#composer")


async def _snooze_time(request: Request, form: FormData, viewer: Viewer) -> datetime | None:
    choice = text_field(form, "snooze_for")
    if choice:
        async with request.app.state.store.read() as session:
            agent = await session.get(Agent, viewer.agent_id)
        try:
            return snooze_until(choice, utcnow(), agent.timezone if agent else None)
        except UnknownChoice as exc:
            raise HTTPException(400, str(exc)) from exc
    raw = text_field(form, "snoozed_until")
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
            status=text_field(form, "status"),
            actor_agent_id=viewer.agent_id,
            snoozed_until=await _snooze_time(request, form, viewer),
        )
    except StatusRefused as refusal:
        return await show(request, problem=str(refusal), status_code=422)
    return _back(target.id)


async def assign(request: Request) -> Response:
    form = await verified_form(request)
    viewer, target = await _reachable(request)
    agent_id = optional_int(text_field(form, "agent_id"), "agent_id")
    team_id = optional_int(text_field(form, "team_id"), "team_id")
    try:
        await do_assign_manually(
            request.app.state.store,
            conversation_id=target.id,
            agent_id=agent_id,
            team_id=team_id,
            actor_agent_id=viewer.agent_id,
            note=text_field(form, "note")[:500],
        )
    except TransferRefused as refusal:
        return await show(request, problem=str(refusal), status_code=422)
    async with request.app.state.store.read() as session:
        still_visible = await visible_conversation(session, viewer, target.id) is not None
    # Handing work to another team takes it out of the agent's reach: back to the inbox then.
    return _back(target.id) if still_visible else RedirectResponse("/", status_code=303)


async def labels(request: Request) -> Response:
    form = await verified_form(request)
    viewer, target = await _reachable(request)
    change = do_remove_label if text_field(form, "action") == "remove" else do_add_label
    try:
        await change(
            request.app.state.store,
            conversation_id=target.id,
            label=text_field(form, "label"),
            actor_agent_id=viewer.agent_id,
        )
    except LabelRefused as refusal:
        return await show(request, problem=str(refusal), status_code=422)
    return _back(target.id, "#labels")


async def call_back(request: Request) -> Response:
    await verified_form(request)
    viewer, target = await _reachable(request)
    try:
        placed = await do_request_callback(request.app.state.store, conversation_id=target.id, agent_id=viewer.agent_id)
    except CallbackRefused as refusal:
        return await show(request, problem=f"No call-back: {refusal}.", status_code=422)
    flash(request, f"Calling you now; when you answer, the hub dials the customer at {placed.customer}.")
    return _back(target.id, f"#message-{placed.message_id}")


routes = [
    Route("/conversations/{conversation_id}", conversation, methods=["GET"]),
    Route("/conversations/{conversation_id}/reply", reply, methods=["POST"]),
    Route("/conversations/{conversation_id}/status", set_status, methods=["POST"]),
    Route("/conversations/{conversation_id}/assign", assign, methods=["POST"]),
    Route("/conversations/{conversation_id}/labels", labels, methods=["POST"]),
    Route("/conversations/{conversation_id}/callback", call_back, methods=["POST"]),
]

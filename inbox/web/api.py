"""The REST API for conversations: list, detail, messages, reply, call-back. Token-authenticated (see
``auth_gate``); the same access policy as the pages, so an out-of-reach conversation answers 404 here too."""

from __future__ import annotations

import json
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from inbox.access import Viewer, visible_conversation
from inbox.actions.callback import CallbackRefused, do_request_callback
from inbox.actions.note import NoteRefused, do_add_note
from inbox.actions.reply import ReplyRefused, do_reply
from inbox.conversation_view import REPLY_CHANNELS, timeline
from inbox.inbox_views import PAGE_SIZE, View, inbox_rows, view_counts, views_for
from inbox.models import Conversation
from inbox.web import api_shapes
from inbox.web.api_search import search_api
from inbox.web.params import filters_from, optional_int, path_id, view_from

MAX_PAGE = 200


def _viewer(request: Request) -> Viewer:
    viewer: Viewer = request.state.viewer
    if not viewer.reads_conversations:
        raise HTTPException(403, "this role does not read conversations")
    return viewer


async def _reachable(request: Request) -> tuple[Viewer, Conversation]:
    viewer = _viewer(request)
    async with request.app.state.store.read() as session:
        found = await visible_conversation(session, viewer, path_id(request.path_params["conversation_id"]))
    if found is None:
        raise HTTPException(404, "no such conversation")
    return viewer, found


async def list_conversations(request: Request) -> Response:
    """Conversations in one inbox view, in serving order, with the count of every view."""
    viewer = _viewer(request)
    filters = filters_from(request.query_params)
    view = view_from(request.query_params, View.MINE if viewer.role == "agent" else View.ALL)
    if view not in views_for(viewer):
        raise HTTPException(404, f"no {view.value} view for this role")
    limit = min(optional_int(request.query_params.get("limit"), "limit") or PAGE_SIZE, MAX_PAGE)
    offset = optional_int(request.query_params.get("offset"), "offset") or 0
    async with request.app.state.store.read() as session:
        rows = await inbox_rows(session, viewer, view, filters, limit=limit, offset=offset)
        counts = await view_counts(session, viewer, filters)
    return JSONResponse(
        {
            "view": view.value,
            "counts": {name.value: count for name, count in counts.items()},
            "conversations": [api_shapes.inbox_row(row) for row in rows],
        }
    )


async def get_conversation(request: Request) -> Response:
    _, found = await _reachable(request)
    return JSONResponse(api_shapes.conversation(found))


async def list_messages(request: Request) -> Response:
    """The messages of this conversation only, oldest first; notes included (they are for staff)."""
    _, found = await _reachable(request)
    async with request.app.state.store.read() as session:
        entries = await timeline(session, found, [found])
    return JSONResponse({"messages": [api_shapes.message(e.message, e.attachments) for e in entries]})


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise HTTPException(400, "the body must be a JSON object") from exc
    if not isinstance(body, dict):
        raise HTTPException(400, "the body must be a JSON object")
    return body


async def post_reply(request: Request) -> Response:
    """Queue a reply on the customer's channel (or the one named), or add a private note."""
    viewer, found = await _reachable(request)
    body = await _json_body(request)
    text, channel, note = body.get("text"), body.get("channel"), body.get("note", False)
    if not isinstance(text, str) or not isinstance(note, bool):
        raise HTTPException(400, "text must be a string and note a boolean")
    if channel is not None and channel not in REPLY_CHANNELS:
        raise HTTPException(400, "channel must be one of " + ", ".join(REPLY_CHANNELS))
    if note:
        # Notes go through their own action so @mentions notify, as they do from the page.
        try:
            noted = await do_add_note(
                request.app.state.store, conversation_id=found.id, agent_id=viewer.agent_id, text=text
            )
        except NoteRefused as refusal:
            return JSONResponse({"error": "refused", "detail": str(refusal)}, status_code=422)
        body = {"message_id": noted.message_id, "channel": None, "channel_reason": "a private note", "queued": False}
        return JSONResponse({**body, "notified": list(noted.notified)}, status_code=201)
    try:
        outcome = await do_reply(
            request.app.state.store,
            conversation_id=found.id,
            agent_id=viewer.agent_id,
            text=text,
            channel=channel,
            note=note,
        )
    except ReplyRefused as refusal:
        return JSONResponse({"error": "refused", "detail": str(refusal)}, status_code=422)
    return JSONResponse(
        {
            "message_id": outcome.message_id,
            "channel": outcome.channel,
            "channel_reason": outcome.channel_reason,
            "queued": outcome.queued,
        },
        status_code=201,
    )


async def post_callback(request: Request) -> Response:
    """Ring the caller's phone, then dial the customer; the call is logged in the conversation."""
    viewer, found = await _reachable(request)
    try:
        placed = await do_request_callback(request.app.state.store, conversation_id=found.id, agent_id=viewer.agent_id)
    except CallbackRefused as refusal:
        return JSONResponse({"error": "refused", "detail": str(refusal)}, status_code=422)
    return JSONResponse({"message_id": placed.message_id, "customer": placed.customer, "queued": True}, status_code=202)


routes = [
    Route("/api/v1/conversations", list_conversations, methods=["GET"]),
    Route("/api/v1/conversations/{conversation_id}", get_conversation, methods=["GET"]),
    Route("/api/v1/conversations/{conversation_id}/messages", list_messages, methods=["GET"]),
    Route("/api/v1/conversations/{conversation_id}/reply", post_reply, methods=["POST"]),
    Route("/api/v1/conversations/{conversation_id}/callback", post_callback, methods=["POST"]),
    Route("/api/v1/search", search_api, methods=["GET"]),
]

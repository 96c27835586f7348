"""The REST API for changing a conversation: status (snoozing included), assignment and transfer, labels. The
same reach as reading it (404 outside it), the same actions as the conversation page."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from inbox.access import Viewer, visible_conversation
from inbox.actions.label import LabelRefused, do_add_label, do_remove_label
from inbox.actions.status import StatusRefused, do_set_status
from inbox.actions.transfer import TransferRefused, do_assign_manually
from inbox.models import Conversation
from inbox.web import api_shapes
from inbox.web.json_body import json_object
from inbox.web.params import path_id


async def _reachable(request: Request) -> tuple[Viewer, Conversation]:
    viewer: Viewer = request.state.viewer
    if not viewer.reads_conversations:
        raise HTTPException(403, "this role does not handle conversations")
    async with request.app.state.store.read() as session:
        found = await visible_conversation(session, viewer, path_id(request.path_params["conversation_id"]))
    if found is None:
        raise HTTPException(404, "no such conversation")
    return viewer, found


async def _current(request: Request, conversation_id: int) -> dict[str, Any]:
    """The conversation after the change. Read without the reach check: a transfer may have just taken it out of
    the caller's reach, and they may see what they themselves set."""
    async with request.app.state.store.read() as session:
        found = await session.get(Conversation, conversation_id)
    if found is None:
        raise HTTPException(404, "no such conversation")
    return api_shapes.conversation(found)


def _refused(detail: str) -> Response:
    return JSONResponse({"error": "refused", "detail": detail}, status_code=422)


def _time(value: Any, name: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise HTTPException(400, f"{name} must be an ISO 8601 date and time")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise HTTPException(400, f"{name} must be an ISO 8601 date and time") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _optional_id(body: dict[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise HTTPException(400, f"{name} must be a number or null")
    return value


async def set_status(request: Request) -> Response:
    viewer, found = await _reachable(request)
    body = await json_object(request)
    status = body.get("status")
    if not isinstance(status, str):
        raise HTTPException(400, "status is required")
    try:
        changed = await do_set_status(
            request.app.state.store,
            conversation_id=found.id,
            status=status,
            actor_agent_id=viewer.agent_id,
            snoozed_until=_time(body.get("snoozed_until"), "snoozed_until"),
        )
    except StatusRefused as refusal:
        return _refused(str(refusal))
    return JSONResponse({"changed": changed, "conversation": await _current(request, found.id)})


async def assign(request: Request) -> Response:
    """To an agent (``agent_id``), to a team's queue (``team_id``), or back to the queue (``agent_id``: null)."""
    viewer, found = await _reachable(request)
    body = await json_object(request)
    if "agent_id" not in body and "team_id" not in body:
        raise HTTPException(400, "give agent_id (null: back to the queue), team_id, or both")
    note = body.get("note", "")
    if not isinstance(note, str):
        raise HTTPException(400, "note must be a string")
    agent_id = _optional_id(body, "agent_id") if "agent_id" in body else found.assignee_id
    try:
        await do_assign_manually(
            request.app.state.store,
            conversation_id=found.id,
            agent_id=agent_id,
            team_id=_optional_id(body, "team_id"),
            actor_agent_id=viewer.agent_id,
            note=note[:500],
        )
    except TransferRefused as refusal:
        return _refused(str(refusal))
    return JSONResponse({"conversation": await _current(request, found.id)})


async def add_label(request: Request) -> Response:
    viewer, found = await _reachable(request)
    label = (await json_object(request)).get("label")
    if not isinstance(label, str):
        raise HTTPException(400, "label is required")
    try:
        added = await do_add_label(
            request.app.state.store, conversation_id=found.id, label=label, actor_agent_id=viewer.agent_id
        )
    except LabelRefused as refusal:
        return _refused(str(refusal))
    current = await _current(request, found.id)
    return JSONResponse({"changed": added, "labels": current["labels"]}, status_code=201 if added else 200)


async def remove_label(request: Request) -> Response:
    viewer, found = await _reachable(request)
    try:
        removed = await do_remove_label(
            request.app.state.store,
            conversation_id=found.id,
            label=request.path_params["label"],
            actor_agent_id=viewer.agent_id,
        )
    except LabelRefused as refusal:
        return _refused(str(refusal))
    current = await _current(request, found.id)
    return JSONResponse({"changed": removed, "labels": current["labels"]})


routes = [
    Route("/api/v1/conversations/{conversation_id}/status", set_status, methods=["POST"]),
    Route("/api/v1/conversations/{conversation_id}/assign", assign, methods=["POST"]),
    Route("/api/v1/conversations/{conversation_id}/labels", add_label, methods=["POST"]),
    Route("/api/v1/conversations/{conversation_id}/labels/{label}", remove_label, methods=["DELETE"]),
]

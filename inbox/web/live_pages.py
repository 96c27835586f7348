"""What the live pages ask the server for: setting one's presence, and the new part of a conversation's timeline
(rendered by the same template as the page, so a live message looks and is sanitized exactly like a loaded one).
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from inbox.access import Viewer, visible_conversation
from inbox.actions.presence import PresenceRefused, do_record_heartbeat, do_set_presence
from inbox.conversation_view import REPLY_CHANNELS, conversation_page
from inbox.inbox_views import handling_agents, teams
from inbox.web.auth import safe_next
from inbox.web.csrf import csrf_token, verified_form
from inbox.web.params import STATUS_CHOICES, optional_int, path_id

PRESENCE_CHOICES = ("online", "busy", "away", "offline")
# The page asks again for messages whose delivery state changed; a bounded list keeps the request small.
MAX_REFRESH = 50
FRAGMENT = '{% for entry in entries %}{% include "inbox/_message.html" %}{% endfor %}'


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


async def set_presence(request: Request) -> Response:
    form = await verified_form(request)
    viewer: Viewer = request.state.viewer
    if not viewer.reads_conversations:
        raise HTTPException(403, "Your role does not take conversations.")
    wanted = str(form.get("presence") or "")
    if wanted not in PRESENCE_CHOICES:
        raise HTTPException(400, f"presence must be one of {', '.join(PRESENCE_CHOICES)}")
    store = request.app.state.store
    try:
        # Choosing a presence is being at the screen: without this a stale heartbeat would undo the choice.
        await do_record_heartbeat(store, agent_id=viewer.agent_id)
        change = await do_set_presence(store, agent_id=viewer.agent_id, presence=wanted, actor_agent_id=viewer.agent_id)
    except PresenceRefused as refusal:
        raise HTTPException(400, str(refusal)) from refusal
    if _wants_json(request):
        return JSONResponse({"presence": change.after, "requeued": list(change.requeued)})
    return RedirectResponse(safe_next(str(form.get("next") or "")), status_code=303)


def _refresh_ids(raw: str) -> set[int]:
    ids: set[int] = set()
    for part in raw.split(",")[:MAX_REFRESH]:
        value = optional_int(part.strip(), "refresh")
        if value is not None:
            ids.add(value)
    return ids


async def timeline_since(request: Request) -> Response:
    viewer: Viewer = request.state.viewer
    conversation_id = path_id(request.path_params["conversation_id"])
    after = optional_int(request.query_params.get("after"), "after") or 0
    refresh = _refresh_ids(request.query_params.get("refresh", ""))
    async with request.app.state.store.read() as session:
        conversation = await visible_conversation(session, viewer, conversation_id)
        if conversation is None:
            raise HTTPException(404)
        page = await conversation_page(session, viewer, conversation)
        context = {
            "page": page,
            "reply_channels": REPLY_CHANNELS,
            "statuses": STATUS_CHOICES,
            "teams": await teams(session),
            "agents": await handling_agents(session),
            "problem": None,
        }
    entries = [entry for entry in page.timeline if entry.message.id > after or entry.message.id in refresh]
    templates = request.app.state.templates
    html = templates.env.from_string(FRAGMENT).render(
        {**context, "request": request, "csrf_token": csrf_token(request), "viewer": viewer, "entries": entries}
    )
    return JSONResponse(
        {
            "html": html,
            "last_id": max([after, *(entry.message.id for entry in page.timeline)]),
            "status": conversation.status,
            "assignee": page.assignee_name,
        },
        headers={"Cache-Control": "no-store"},
    )


routes = [
    Route("/presence", set_presence, methods=["POST"]),
    Route("/conversations/{conversation_id}/timeline", timeline_since, methods=["GET"]),
]

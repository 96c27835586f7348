"""A person's notifications (being @mentioned in a note): the list, marking them read, and the unread count the
header shows. Everyone sees only their own."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from inbox.access import Viewer
from inbox.actions.mention import do_mark_notifications_read
from inbox.notifications import recent, unread_count
from inbox.web.csrf import verified_form
from inbox.web.params import optional_int
from inbox.web.templating import render


async def index(request: Request) -> Response:
    viewer: Viewer = request.state.viewer
    async with request.app.state.store.read() as session:
        items = await recent(session, viewer.agent_id)
        unread = await unread_count(session, viewer.agent_id)
    return render(request, "notifications.html", {"items": items, "unread": unread})


async def mark_read(request: Request) -> Response:
    """One notification (``id``), or all of them; then on to the conversation when ``open`` is set."""
    form = await verified_form(request)
    viewer: Viewer = request.state.viewer
    raw = form.get("id")
    notification_id = optional_int(raw if isinstance(raw, str) else None, "id")
    await do_mark_notifications_read(
        request.app.state.store, viewer.agent_id, None if notification_id is None else [notification_id]
    )
    target = form.get("open")
    if isinstance(target, str) and target.isdigit():
        return RedirectResponse(f"/conversations/{int(target)}", status_code=303)
    return RedirectResponse("/notifications", status_code=303)


async def unread(request: Request) -> Response:
    viewer: Viewer = request.state.viewer
    async with request.app.state.store.read() as session:
        count = await unread_count(session, viewer.agent_id)
    return JSONResponse({"unread": count}, headers={"Cache-Control": "no-store"})


routes = [
    Route("/notifications", index, methods=["GET"]),
    Route("/notifications/read", mark_read, methods=["POST"]),
    Route("/notifications/unread", unread, methods=["GET"]),
]

"""Offers on the agent's screen: the calls and chats put to them, each with its countdown and Accept / Decline.

The live inbox asks for the panel whenever an offer for this agent opens or closes (``offer`` events) and puts
in what the server rendered; without the script the same forms work from the /offers page. Answers are form
posts with the session's CSRF token, and only the offered agent may give them (see ``offer_answers``).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from inbox.access import Viewer
from inbox.models import utcnow
from inbox.offer_queries import open_offer_views
from inbox.web.auth import safe_next
from inbox.web.csrf import csrf_token, verified_form
from inbox.web.offer_answers import answer_offer, answering_agent
from inbox.web.params import path_id
from inbox.web.templating import render

PANEL = '{% include "inbox/_offers.html" %}'


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


async def offers_page(request: Request) -> Response:
    viewer: Viewer = request.state.viewer
    agent_id = answering_agent(viewer)
    now = utcnow()
    async with request.app.state.store.read() as session:
        offers = await open_offer_views(session, agent_id, now)
    context: dict[str, Any] = {"offers": offers, "now": now}
    if not _wants_json(request):
        return render(request, "offers.html", context)
    html = request.app.state.templates.env.from_string(PANEL).render(
        {**context, "request": request, "csrf_token": csrf_token(request), "viewer": viewer}
    )
    return JSONResponse({"html": html, "count": len(offers)}, headers={"Cache-Control": "no-store"})


async def _answer(request: Request, *, accept: bool) -> Response:
    form = await verified_form(request)
    viewer: Viewer = request.state.viewer
    offer_id = path_id(request.path_params["offer_id"])
    answer = await answer_offer(request.app.state.store, viewer, offer_id, accept=accept)
    conversation_url = f"/conversations/{answer.offer.conversation_id}"
    if _wants_json(request):
        if answer.refused is not None:
            return JSONResponse({"error": "refused", "detail": answer.refused, "status": answer.offer.status}, 409)
        return JSONResponse({"status": answer.offer.status, "url": conversation_url if accept else None})
    if answer.refused is not None:
        context = {"status_code": 409, "detail": f"The offer could not be answered: {answer.refused}."}
        return render(request, "error.html", context, status_code=409)
    if accept:
        return RedirectResponse(conversation_url, status_code=303)
    return RedirectResponse(safe_next(str(form.get("next") or "")), status_code=303)


async def accept_offer(request: Request) -> Response:
    return await _answer(request, accept=True)


async def decline_offer(request: Request) -> Response:
    return await _answer(request, accept=False)


routes = [
    Route("/offers", offers_page, methods=["GET"]),
    Route("/offers/{offer_id}/accept", accept_offer, methods=["POST"]),
    Route("/offers/{offer_id}/decline", decline_offer, methods=["POST"]),
]

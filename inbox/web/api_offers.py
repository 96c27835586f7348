"""The REST API for offers: the calls and chats put to the token's agent, and their answer to each.

A softphone or desk app answers here what the live inbox answers with its buttons; the same rules hold (only the
offered agent, only while the offer is open; declining twice is harmless).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from inbox.access import Viewer
from inbox.models import utcnow
from inbox.offer_queries import open_offer_views
from inbox.web.offer_answers import answer_offer, answering_agent, offer_json
from inbox.web.params import path_id


async def list_offers(request: Request) -> Response:
    viewer: Viewer = request.state.viewer
    agent_id = answering_agent(viewer)
    async with request.app.state.store.read() as session:
        offers = await open_offer_views(session, agent_id, utcnow())
    return JSONResponse({"offers": [offer_json(offer) for offer in offers]})


async def _answer(request: Request, *, accept: bool) -> Response:
    offer_id = path_id(request.path_params["offer_id"])
    answer = await answer_offer(request.app.state.store, request.state.viewer, offer_id, accept=accept)
    if answer.refused is not None:
        body = {"error": "refused", "detail": answer.refused, "offer": offer_json(answer.offer)}
        return JSONResponse(body, status_code=409)
    return JSONResponse(offer_json(answer.offer))


async def accept_offer(request: Request) -> Response:
    return await _answer(request, accept=True)


async def decline_offer(request: Request) -> Response:
    return await _answer(request, accept=False)


routes = [
    Route("/api/v1/offers", list_offers, methods=["GET"]),
    Route("/api/v1/offers/{offer_id}/accept", accept_offer, methods=["POST"]),
    Route("/api/v1/offers/{offer_id}/decline", decline_offer, methods=["POST"]),
]

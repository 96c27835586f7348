"""The search page: customers and messages matching what the agent typed, within what they may read."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from inbox.access import Viewer
from inbox.search import CANDIDATES, SHORT_QUERY_WINDOW, search
from inbox.web.params import optional_int
from inbox.web.templating import render


async def search_page(request: Request) -> Response:
    viewer: Viewer = request.state.viewer
    if not viewer.reads_conversations:
        raise HTTPException(403, "Your role does not include reading conversations.")
    raw = request.query_params.get("q", "")
    page = max(optional_int(request.query_params.get("page"), "page") or 1, 1)
    results = None
    if raw.strip():
        async with request.app.state.store.read() as session:
            results = await search(session, viewer, raw, page=page)
    return render(
        request,
        "search.html",
        {"q": raw, "results": results, "candidates": CANDIDATES, "window": SHORT_QUERY_WINDOW},
    )


routes = [Route("/search", search_page, methods=["GET"])]

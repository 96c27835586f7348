"""The inbox page: the viewer's views with counts, filters, and the conversations in serving order."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from inbox.access import Viewer
from inbox.inbox_views import View, handling_agents, inbox_rows, teams, view_counts, views_for
from inbox.web.params import CHANNEL_CHOICES, STATUS_CHOICES, TIER_CHOICES, filters_from, view_from
from inbox.web.templating import render


async def inbox_page(request: Request) -> Response:
    viewer: Viewer = request.state.viewer
    if not viewer.reads_conversations:
        raise HTTPException(403, "Your role does not include reading conversations.")
    filters = filters_from(request.query_params)
    view = view_from(request.query_params, View.MINE)
    if view not in views_for(viewer):
        raise HTTPException(404)
    async with request.app.state.store.read() as session:
        counts = await view_counts(session, viewer, filters)
        rows = await inbox_rows(session, viewer, view, filters)
        all_teams = await teams(session)
        agents = await handling_agents(session)
    query = {key: value for key, value in request.query_params.items() if key != "view"}
    return render(
        request,
        "inbox.html",
        {
            "view": view,
            "views": views_for(viewer),
            "counts": counts,
            "rows": rows,
            "filters": filters,
            "filter_query": query,
            "teams": all_teams,
            "agents": agents,
            "channels": CHANNEL_CHOICES,
            "statuses": STATUS_CHOICES,
            "tiers": TIER_CHOICES,
        },
    )


routes = [Route("/", inbox_page, methods=["GET"])]

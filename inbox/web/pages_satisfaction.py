"""The supervisor's satisfaction results over a date range, and the complaint cases with their recovery deadlines
(breached ones can be picked out)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from inbox.access import Viewer
from inbox.models import utcnow
from inbox.recovery_view import complaint_cases
from inbox.satisfaction_report import satisfaction_report
from inbox.web.templating import render

DEFAULT_DAYS = 30


def _day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise HTTPException(400, f"{name} must be a date like 2026-01-31") from exc


async def satisfaction(request: Request) -> Response:
    viewer: Viewer = request.state.viewer
    if not viewer.oversees_teams:
        raise HTTPException(403, "Satisfaction results are for supervisors.")
    today = utcnow().date()
    last = _day(request.query_params.get("to"), "to") or today
    first = _day(request.query_params.get("from"), "from") or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise HTTPException(400, "the range starts after it ends")
    start = datetime.combine(first, time(), tzinfo=UTC)
    end = datetime.combine(last + timedelta(days=1), time(), tzinfo=UTC)
    async with request.app.state.store.read() as session:
        report = await satisfaction_report(session, viewer, start, end)
    return render(request, "satisfaction.html", {"report": report, "first": first, "last": last})


async def complaints(request: Request) -> Response:
    viewer: Viewer = request.state.viewer
    if not viewer.reads_conversations:
        raise HTTPException(403, "Your role does not include reading conversations.")
    breached_only = request.query_params.get("breached") == "yes"
    open_only = request.query_params.get("open", "yes") == "yes"
    async with request.app.state.store.read() as session:
        cases = await complaint_cases(session, viewer, utcnow(), breached_only=breached_only, open_only=open_only)
    return render(request, "complaints.html", {"cases": cases, "breached_only": breached_only, "open_only": open_only})


routes = [
    Route("/supervisor/satisfaction", satisfaction, methods=["GET"]),
    Route("/complaints", complaints, methods=["GET"]),
]

"""The supervisor's page: queues, people, service levels, volume, the router's decisions and failed jobs, for
supervisors (their teams) and admins (everything). It refreshes itself from the live feed (see hub.js)."""

from __future__ import annotations

from datetime import timedelta

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from inbox.access import Viewer
from inbox.actions.jobs import do_retry_dead_letter
from inbox.models import utcnow
from inbox.supervisor_agents import agents_overview
from inbox.supervisor_charts import bar_chart, meter, sparkline, stacked_tiers
from inbox.supervisor_queues import queues, service_level
from inbox.supervisor_stats import (
    failed_job_in_reach,
    failed_jobs,
    names_in_decisions,
    recent_decisions,
    response_times,
    todays_volume,
)
from inbox.web.csrf import verified_form
from inbox.web.params import path_id
from inbox.web.templating import render


def _supervisor(request: Request) -> Viewer:
    viewer: Viewer = request.state.viewer
    if not viewer.oversees_teams:
        raise HTTPException(403, "The supervisor's page is for supervisors and admins.")
    return viewer


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


async def supervisor_page(request: Request) -> Response:
    viewer = _supervisor(request)
    settings = request.app.state.settings
    now = utcnow()
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    targets = settings.supervisor.first_response_minutes
    async with request.app.state.store.read() as session:
        pools = await queues(session, viewer)
        levels = await service_level(session, viewer, now, targets, settings.supervisor.at_risk_share)
        people = await agents_overview(session, viewer, now, timedelta(seconds=settings.live.away_after_seconds))
        first, resolution = await response_times(
            session, viewer, now - timedelta(days=settings.supervisor.times_window_days)
        )
        volume = await todays_volume(session, viewer, day_start)
        decisions = await recent_decisions(session, viewer)
        names = await names_in_decisions(session, decisions)
        failed = await failed_jobs(session, viewer)
    context = {
        "now": now,
        "pools": pools,
        "levels": levels,
        "targets": targets,
        "people": people,
        "first": first,
        "resolution": resolution,
        "window_days": settings.supervisor.times_window_days,
        "volume": volume,
        "decisions": decisions,
        "names": names,
        "failed": failed,
        "duration": _duration,
        "charts": {
            "volume": bar_chart(list(volume.by_channel.items()), title="Messages received today, per channel"),
            "hours": sparkline(volume.per_hour[: now.hour + 1], title="Messages received per hour today"),
            "waiting": bar_chart(
                [(pool.name, pool.waiting) for pool in pools], title="Conversations waiting, per pool", colour="#8c5b1f"
            ),
        },
        "tiers_chart": stacked_tiers,
        "meter": meter,
    }
    return render(request, "supervisor.html", context)


async def retry_failed_job(request: Request) -> Response:
    await verified_form(request)
    viewer = _supervisor(request)
    letter_id = path_id(request.path_params["dead_letter_id"])
    async with request.app.state.store.read() as session:
        if not await failed_job_in_reach(session, viewer, letter_id):
            raise HTTPException(404)
    await do_retry_dead_letter(request.app.state.store, letter_id, viewer.agent_id)
    return RedirectResponse("/supervisor#failed", status_code=303)


routes = [
    Route("/supervisor", supervisor_page, methods=["GET"]),
    Route("/supervisor/failed-jobs/{dead_letter_id}/retry", retry_failed_job, methods=["POST"]),
]

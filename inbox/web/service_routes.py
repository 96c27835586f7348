"""Every route of satisfaction surveys and service recovery, mounted by the app in one place."""

from __future__ import annotations

from starlette.routing import BaseRoute

from inbox.web import pages_follow_ups, pages_recovery, pages_satisfaction, survey_page

service_recovery_routes: list[BaseRoute] = [
    *pages_recovery.routes,
    *pages_follow_ups.routes,
    *pages_satisfaction.routes,
    *survey_page.routes,
]

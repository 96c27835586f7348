"""The routes of the customer page, privacy operations, canned responses and notifications, mounted together."""

from __future__ import annotations

from starlette.routing import BaseRoute

from inbox.web import api_privacy, pages_canned, pages_customer, pages_notifications, privacy_pages

collaboration_routes: list[BaseRoute] = [
    *pages_customer.routes,
    *privacy_pages.routes,
    *pages_canned.routes,
    *pages_notifications.routes,
    *api_privacy.routes,
]

"""A one-time notice carried in the signed session across a redirect (e.g. "Note added; notified Olivia")."""

from __future__ import annotations

from starlette.requests import Request

SESSION_KEY = "flash"
MAX_CHARS = 500


def flash(request: Request, message: str) -> None:
    request.session[SESSION_KEY] = message[:MAX_CHARS]


def take_flash(request: Request) -> str | None:
    message = request.session.pop(SESSION_KEY, None)
    return message if isinstance(message, str) else None

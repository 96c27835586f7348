"""Cross-site request forgery protection: a random token per session, required on every form post.

The session cookie is SameSite=Lax already; the token covers browsers and requests where that is not enough.
"""

from __future__ import annotations

import hmac
import secrets

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request

SESSION_KEY = "csrf"
FIELD = "csrf_token"
HEADER = "x-csrf-token"


def csrf_token(request: Request) -> str:
    """The session's token, made on first use (the login page makes it for anonymous visitors)."""
    token = request.session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[SESSION_KEY] = token
    return token


def renew_csrf_token(request: Request) -> str:
    request.session[SESSION_KEY] = secrets.token_urlsafe(32)
    return str(request.session[SESSION_KEY])


async def verified_form(request: Request) -> FormData:
    """The posted form, once its token matches the session's; 403 otherwise."""
    form = await request.form()
    expected = request.session.get(SESSION_KEY)
    given = form.get(FIELD) or request.headers.get(HEADER) or ""
    if not isinstance(expected, str) or not expected or not isinstance(given, str):
        raise HTTPException(403, "The form has expired. Reload the page and try again.")
    if not hmac.compare_digest(expected.encode(), given.encode()):
        raise HTTPException(403, "The form has expired. Reload the page and try again.")
    return form

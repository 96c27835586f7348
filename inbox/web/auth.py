"""Signing in and out of the agents' web app."""

from __future__ import annotations

import math

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from inbox.actions.sign_in import do_sign_in
from inbox.web.auth_gate import SESSION_AGENT, SESSION_PASSWORD_VERSION
from inbox.web.csrf import renew_csrf_token, verified_form
from inbox.web.rate_limit import LoginLimiter
from inbox.web.templating import render


def safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect would let a phishing link borrow the hub's login page."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def login_page(request: Request) -> Response:
    # Always the form, even with a session: the session may be stale (a changed password), and sending its holder
    # back to the page that sent them here would loop.
    return render(request, "login.html", {"next": safe_next(request.query_params.get("next")), "error": None})


async def login(request: Request) -> Response:
    form = await verified_form(request)
    email = str(form.get("email") or "").strip().lower()
    password = str(form.get("password") or "")
    target = safe_next(str(form.get("next") or ""))
    limiter: LoginLimiter = request.app.state.login_limiter
    address = _address(request)
    wait = limiter.retry_after(email, address)
    if wait is not None:
        minutes = max(1, math.ceil(wait / 60))
        message = (
            "Too many failed sign-in attempts for this account or from this network. "
            f"Try again in {minutes} minute{'s' if minutes != 1 else ''}."
        )
        return render(request, "login.html", {"next": target, "error": message, "email": email}, 429)
    signed_in = await do_sign_in(request.app.state.store, email=email, password=password, address=address)
    if signed_in is None:
        limiter.failed(email, address)
        context = {"next": target, "error": "That email address and password do not match.", "email": email}
        return render(request, "login.html", context, 400)
    limiter.succeeded(email)
    # A fresh session: nothing from before sign-in (a planted token included) carries over.
    request.session.clear()
    request.session[SESSION_AGENT] = signed_in.agent_id
    request.session[SESSION_PASSWORD_VERSION] = signed_in.password_version
    renew_csrf_token(request)
    return RedirectResponse(target, status_code=303)


async def logout(request: Request) -> Response:
    await verified_form(request)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


routes = [
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
]

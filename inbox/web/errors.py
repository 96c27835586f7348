"""Error answers in the caller's language: JSON for the API, a page for people."""

from __future__ import annotations

from http import HTTPStatus

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from inbox.web.templating import render


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    detail = exc.detail or HTTPStatus(exc.status_code).phrase
    if request.url.path.startswith("/api/"):
        return JSONResponse(
            {"error": HTTPStatus(exc.status_code).phrase.lower(), "detail": detail},
            status_code=exc.status_code,
            headers=exc.headers,
        )
    if request.url.path.startswith("/channels/") or exc.status_code in (204, 304):
        return PlainTextResponse(detail, status_code=exc.status_code, headers=exc.headers)
    return render(request, "error.html", {"status_code": exc.status_code, "detail": detail}, exc.status_code)

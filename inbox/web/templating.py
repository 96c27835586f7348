"""The Jinja2 environment for the agents' pages: autoescaping always on, templates from templates/inbox/."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from inbox.settings import PROJECT_ROOT
from inbox.web.csrf import csrf_token

TEMPLATE_ROOT = PROJECT_ROOT / "templates"
# Put in front of every email body shown in a frame: the frame's own policy lets nothing load or run, on top of
# the empty sandbox around it. A plain string, so the template escapes it with the body into the attribute.
EMAIL_FRAME_HEAD = (
    '<!doctype html><meta charset="utf-8">'
    '<meta http-equiv="Content-Security-Policy"'
    " content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">"
)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def _common(request: Request) -> dict[str, Any]:
    return {"csrf_token": csrf_token(request), "viewer": getattr(request.state, "viewer", None)}


def build_templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_ROOT),
        # Everything is escaped unless a template says otherwise: customer text is never trusted markup.
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["when"] = _when
    env.globals["email_frame_head"] = EMAIL_FRAME_HEAD
    return Jinja2Templates(env=env, context_processors=[_common])


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, f"inbox/{name}", context, status_code=status_code)

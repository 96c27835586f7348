"""Outbound email bodies rendered from the Jinja2 templates in ``templates/email/``.

HTML templates are autoescaped: customer and agent text arrives as data and can never inject markup; HTML an
agent composed in the editor is sanitized first and only then marked safe.
"""

from __future__ import annotations

import html as html_escape
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from channels.html import sanitize_html


@dataclass(frozen=True, slots=True)
class RenderedBody:
    text: str
    html: str


@lru_cache(maxsize=8)
def _environment(template_dir: Path) -> Environment:
    return Environment(
        loader=FileSystemLoader(str(template_dir)),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=True),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def text_to_html(text: str) -> Markup:
    """Plain text as escaped paragraphs, line breaks kept, so both alternatives say the same thing."""
    paragraphs = [chunk for chunk in text.replace("\r\n", "\n").split("\n\n") if chunk.strip()]
    rendered = "".join(
        "<p>" + "<br>\n".join(html_escape.escape(line) for line in chunk.split("\n")) + "</p>\n" for chunk in paragraphs
    )
    return Markup(rendered)


def render_body(
    template_dir: Path,
    template: str,
    *,
    text: str,
    html: str | None = None,
    context: Mapping[str, str] | None = None,
) -> RenderedBody:
    """Render ``<template>.txt.j2`` and ``<template>.html.j2`` around the message body."""
    environment = _environment(template_dir)
    values: dict[str, object] = {
        "subject": "",
        "signature": "",
        "business_name": "",
        "reference": "",
        "lang": "en",
    }
    values.update(context or {})
    body_html = Markup(sanitize_html(html)) if html else text_to_html(text)
    rendered_text = environment.get_template(f"{template}.txt.j2").render(values, body=text)
    rendered_html = environment.get_template(f"{template}.html.j2").render(values, body_html=body_html)
    return RenderedBody(text=rendered_text.strip() + "\n", html=rendered_html)

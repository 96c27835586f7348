"""Campaign content: Jinja2 in a sandbox, with the customer's own variables and nothing else.

Templates are written by marketers, so they run in a ``SandboxedEnvironment`` (no access to Python internals)
with ``StrictUndefined``: a misspelt variable is an error at preview, never an empty gap in 100,000 messages.
The variables are built from the customer record without its sealed fields: identity numbers, birth dates,
income, health and family notes and the attributes named sensitive never reach a template.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from channels.sms_segments import count_segments

_TEXT = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
_HTML = SandboxedEnvironment(undefined=StrictUndefined, autoescape=True, keep_trailing_newline=False)


class CampaignTemplateError(ValueError):
    """A template that cannot be rendered, with which part and why, in words a marketer can act on."""

    def __init__(self, part: str, reason: str) -> None:
        super().__init__(f"{part}: {reason}")
        self.part = part
        self.reason = reason


@dataclass(frozen=True, slots=True)
class RenderedContent:
    subject: str
    text: str
    html: str
    sms_segments: int = 0


def _describe(error: Exception) -> str:
    if isinstance(error, SecurityError):
        return f"not allowed in a campaign template ({error})"
    if isinstance(error, TemplateSyntaxError):
        return f"line {error.lineno}: {error.message}"
    return str(error)


class CampaignContent:
    """A campaign's templates, compiled once and rendered per recipient."""

    def __init__(self, channel: str, *, subject: str = "", html: str = "", text: str = "") -> None:
        self.channel = channel
        parts = {"text": text} if channel == "sms" else {"subject": subject, "html": html, "text": text}
        if channel == "sms" and not text.strip():
            raise CampaignTemplateError("text", "an SMS campaign needs a text")
        if channel == "email" and not subject.strip():
            raise CampaignTemplateError("subject", "an email campaign needs a subject")
        if channel == "email" and not (html.strip() or text.strip()):
            raise CampaignTemplateError("body", "an email campaign needs an HTML or a text body")
        self._templates = {}
        for part, source in parts.items():
            environment = _HTML if part == "html" else _TEXT
            try:
                self._templates[part] = environment.from_string(source)
            except TemplateSyntaxError as error:
                raise CampaignTemplateError(part, _describe(error)) from error

    def render(self, variables: Mapping[str, Any]) -> RenderedContent:
        rendered: dict[str, str] = {}
        for part, template in self._templates.items():
            try:
                rendered[part] = template.render(variables)
            except (TemplateError, SecurityError) as error:
                raise CampaignTemplateError(part, _describe(error)) from error
            except Exception as error:
                # Arithmetic on a missing number and the like: still the template's fault, not the hub's.
                raise CampaignTemplateError(part, f"{type(error).__name__}: {error}") from error
        if self.channel == "sms":
            text = rendered["text"].strip()
            return RenderedContent(subject="", text=text, html="", sms_segments=count_segments(text).segments)
        subject = " ".join(rendered["subject"].split())
        return RenderedContent(subject=subject, text=rendered.get("text", "").strip(), html=rendered.get("html", ""))


def _first_name(name: str) -> str:
    # Names written without spaces (陈静) are used whole: there is no reliable given-name split for them.
    parts = name.split()
    return parts[0] if len(parts) > 1 else name


def customer_variables(
    *,
    name: str | None,
    language: str | None,
    tier: str,
    relationship_class: str,
    timezone: str | None,
    attributes: Mapping[str, Any] | None,
    address: str,
    sensitive: Collection[str],
    unsubscribe_url: str = "",
    campaign_name: str = "",
) -> dict[str, Any]:
    """The variables a campaign template sees: ``customer`` (its fields), ``unsubscribe_url`` and ``campaign``."""
    clear = {
        key: value
        for key, value in (attributes or {}).items()
        if key not in sensitive and isinstance(value, str | int | float | bool)
    }
    full = name or ""
    customer = {
        "name": full,
        "first_name": _first_name(full),
        "language": language or "",
        "tier": tier,
        "relationship_class": relationship_class,
        "lifecycle_stage": str(clear.get("lifecycle_stage", "")),
        "region": str(clear.get("region", "")),
        "timezone": timezone or "",
        "address": address,
        "attributes": clear,
    }
    return {"customer": customer, "unsubscribe_url": unsubscribe_url, "campaign": {"name": campaign_name}}

"""Reading query and form values into the types handlers need, refusing nonsense with 400."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.exceptions import HTTPException

from inbox.inbox_views import Filters, View

STATUS_CHOICES = ("open", "pending", "snoozed", "resolved")
CHANNEL_CHOICES = ("email", "sms", "phone", "webchat", "fax")
TIER_CHOICES = ("platinum", "gold", "silver", "bronze")


def _choice(params: Mapping[str, Any], name: str, choices: tuple[str, ...]) -> str | None:
    value = params.get(name) or None
    if value is not None and value not in choices:
        raise HTTPException(400, f"{name} must be one of {', '.join(choices)}")
    return value


def optional_int(value: Any, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise HTTPException(400, f"{name} must be a number") from exc


def filters_from(params: Mapping[str, Any]) -> Filters:
    status = params.get("status", "open")
    complaint = params.get("complaint") or None
    if complaint not in (None, "yes", "no", "true", "false"):
        raise HTTPException(400, "complaint must be yes or no")
    sla = params.get("sla") or None
    if sla not in (None, "breached", "kept"):
        raise HTTPException(400, "sla must be breached or kept")
    return Filters(
        channel=_choice(params, "channel", CHANNEL_CHOICES),
        # "any" lifts the status filter; the default shows open work, as an inbox should.
        status=None if status in ("", "any") else _choice({"status": status}, "status", STATUS_CHOICES),
        tier=_choice(params, "tier", TIER_CHOICES),
        team_id=optional_int(params.get("team"), "team"),
        label=(params.get("label") or "").strip() or None,
        complaint=None if complaint is None else complaint in ("yes", "true"),
        sla_breached=None if sla is None else sla == "breached",
    )


def view_from(params: Mapping[str, Any], default: View) -> View:
    try:
        return View(params.get("view") or default.value)
    except ValueError as exc:
        raise HTTPException(400, "view must be one of " + ", ".join(v.value for v in View)) from exc


def path_id(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise HTTPException(404) from exc

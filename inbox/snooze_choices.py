"""The composer's quick snooze choices turned into a moment: in an hour or four, tomorrow morning, next Monday
morning — mornings in the agent's own time zone, since that is when they will pick the work up again."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time, timedelta

MORNING = time(9, 0)
CHOICES = (
    ("1h", "1 hour"),
    ("4h", "4 hours"),
    ("tomorrow", "tomorrow 09:00"),
    ("next_week", "Monday 09:00"),
)


class UnknownChoice(ValueError):
    pass


def _zone(name: str | None) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def snooze_until(choice: str, now: datetime, timezone: str | None) -> datetime:
    """``now`` is timezone-aware; the answer is too."""
    if choice == "1h":
        return now + timedelta(hours=1)
    if choice == "4h":
        return now + timedelta(hours=4)
    local = now.astimezone(_zone(timezone))
    if choice == "tomorrow":
        day = local.date() + timedelta(days=1)
    elif choice == "next_week":
        day = local.date() + timedelta(days=7 - local.weekday())
    else:
        raise UnknownChoice(f"no snooze choice {choice!r}")
    return datetime.combine(day, MORNING, tzinfo=local.tzinfo)

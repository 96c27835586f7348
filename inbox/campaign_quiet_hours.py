"""Quiet hours in the customer's own time zone: when a campaign message may next reach them."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def _clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


@lru_cache(maxsize=512)
def zone(name: str | None, fallback: str) -> ZoneInfo:
    for candidate in (name, fallback, "UTC"):
        if not candidate:
            continue
        try:
            return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return ZoneInfo("UTC")


def quiet_until(now: datetime, tz: ZoneInfo, start: str, end: str) -> datetime | None:
    """The UTC moment quiet hours end when ``now`` falls inside them, else None. ``start`` and ``end`` are
    "HH:MM" of the local day; a window may span midnight (21:00–08:00); equal times mean no quiet hours."""
    begin, finish = _clock(start), _clock(end)
    if begin == finish:
        return None
    local = now.astimezone(tz)
    current = local.time()
    spans_midnight = begin > finish
    inside = (current >= begin or current < finish) if spans_midnight else (begin <= current < finish)
    if not inside:
        return None
    day = local.date()
    if spans_midnight and current >= begin:
        day = day + timedelta(days=1)
    # Built from the wall clock, so a daylight-saving change in between is taken into account.
    wake = datetime.combine(day, finish, tzinfo=tz)
    return wake.astimezone(now.tzinfo)

"""Agent availability: presence with heartbeats, and weekly shifts and breaks in the agent's own time zone.

Times handed to the router are POSIX seconds (``datetime.timestamp()``); only the schedule is read in local
time, so a shift "09:00–17:00 Europe/Berlin" stays 09:00–17:00 across daylight-saving changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo


class Presence(StrEnum):
    ONLINE = "online"
    AWAY = "away"
    BUSY = "busy"
    OFFLINE = "offline"


def effective_presence(
    presence: Presence, last_heartbeat: float | None, now: float, heartbeat_timeout: float
) -> Presence:
    """A silent client is treated as away rather than offline: the agent may only have lost the connection, so
    their conversations stay theirs but no new work is sent. ``last_heartbeat=None`` means heartbeats are not
    tracked for this agent (a phone-only seat, a test)."""
    if presence is Presence.ONLINE and last_heartbeat is not None and now - last_heartbeat >= heartbeat_timeout:
        return Presence.AWAY
    return presence


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@dataclass(frozen=True, slots=True)
class WeeklyWindow:
    """A recurring window: ``weekday`` 0 is Monday. An ``end`` at or before ``start`` runs past midnight
    into the next day, so a night shift is one window."""

    weekday: int
    start: time
    end: time
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError("weekday must be 0 (Monday) to 6 (Sunday)")

    def contains(self, now: float) -> bool:
        local = datetime.fromtimestamp(now, _zone(self.timezone))
        clock = local.time().replace(tzinfo=None)
        weekday = local.weekday()
        if self.start < self.end:
            return weekday == self.weekday and self.start <= clock < self.end
        started_today = weekday == self.weekday and clock >= self.start
        started_yesterday = weekday == (self.weekday + 1) % 7 and clock < self.end
        return started_today or started_yesterday

    def next_boundary(self, now: float) -> float:
        """The next start or end of this window after ``now``, to schedule shift events."""
        zone = _zone(self.timezone)
        today = datetime.fromtimestamp(now, zone).date()
        moments: list[float] = []
        # A window that started yesterday may still have its end ahead, hence the day before today.
        for day_offset in range(-1, 8):
            day = today + timedelta(days=day_offset)
            if day.weekday() != self.weekday:
                continue
            end_day = day if self.start < self.end else day + timedelta(days=1)
            moments.append(datetime.combine(day, self.start, zone).timestamp())
            moments.append(datetime.combine(end_day, self.end, zone).timestamp())
        return min(moment for moment in moments if moment > now)


Shift = WeeklyWindow
Break = WeeklyWindow


def is_working(shifts: tuple[WeeklyWindow, ...], breaks: tuple[WeeklyWindow, ...], now: float) -> bool:
    """On shift and not on a break. No shifts at all means the schedule is not managed here: always on."""
    on_shift = not shifts or any(shift.contains(now) for shift in shifts)
    return on_shift and not any(pause.contains(now) for pause in breaks)


def schedule_reason(shifts: tuple[WeeklyWindow, ...], breaks: tuple[WeeklyWindow, ...], now: float) -> str | None:
    """Why the schedule keeps an agent from work right now, in the words an explanation uses."""
    if shifts and not any(shift.contains(now) for shift in shifts):
        return "off_shift"
    if any(pause.contains(now) for pause in breaks):
        return "on_break"
    return None

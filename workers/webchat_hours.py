"""Business hours of the chat, written as "mon-fri 09:00-18:00", read into the router's weekly windows."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, time

from router import WeeklyWindow

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LINE = re.compile(r"^\s*([a-z]{3})(?:\s*-\s*([a-z]{3}))?\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_hours(lines: Sequence[str], timezone: str) -> tuple[WeeklyWindow, ...]:
    windows: list[WeeklyWindow] = []
    for line in lines:
        match = LINE.match(line.lower())
        if match is None or match.group(1) not in DAYS or (match.group(2) or match.group(1)) not in DAYS:
            raise ValueError(f"webchat hours: cannot read {line!r}; write e.g. 'mon-fri 09:00-18:00'")
        first, last = DAYS.index(match.group(1)), DAYS.index(match.group(2) or match.group(1))
        start = time(int(match.group(3)), int(match.group(4)))
        end = time(int(match.group(5)), int(match.group(6)))
        day = first
        while True:
            windows.append(WeeklyWindow(day, start, end, timezone))
            if day == last:
                break
            day = (day + 1) % 7
    return tuple(windows)


def is_open(windows: Sequence[WeeklyWindow], now: float) -> bool:
    return not windows or any(window.contains(now) for window in windows)


def next_opening(windows: Sequence[WeeklyWindow], now: float) -> str | None:
    """When the chat next opens, as an ISO time the widget shows in the visitor's own time zone."""
    boundaries = [window.next_boundary(now) for window in windows]
    # A window's next boundary is its opening when the moment after it lies inside the window.
    starts = [moment for window, moment in zip(windows, boundaries, strict=True) if window.contains(moment + 1)]
    if not starts:
        return None
    return datetime.fromtimestamp(min(starts), UTC).isoformat(timespec="minutes")

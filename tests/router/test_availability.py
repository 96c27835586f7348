from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from router.availability import Presence, WeeklyWindow, effective_presence, is_working, schedule_reason

BERLIN = ZoneInfo("Europe/Berlin")


def at(year: int, month: int, day: int, hour: int, minute: int = 0, zone: ZoneInfo = BERLIN) -> float:
    return datetime(year, month, day, hour, minute, tzinfo=zone).timestamp()


def test_lost_heartbeat_turns_online_into_away() -> None:
    assert effective_presence(Presence.ONLINE, 100.0, 150.0, 60.0) is Presence.ONLINE
    assert effective_presence(Presence.ONLINE, 100.0, 161.0, 60.0) is Presence.AWAY
    assert effective_presence(Presence.ONLINE, None, 10_000.0, 60.0) is Presence.ONLINE
    assert effective_presence(Presence.OFFLINE, 100.0, 161.0, 60.0) is Presence.OFFLINE


def test_day_shift_in_local_time_across_daylight_saving() -> None:
    # Monday 09:00–17:00 Berlin time, in winter (UTC+1) and in summer (UTC+2).
    shift = WeeklyWindow(0, time(9), time(17), "Europe/Berlin")
    assert shift.contains(at(2026, 1, 5, 9, 30))
    assert shift.contains(at(2026, 7, 6, 9, 30))
    assert not shift.contains(at(2026, 7, 6, 8, 59))
    assert not shift.contains(at(2026, 7, 7, 10))  # Tuesday


def test_night_shift_runs_past_midnight() -> None:
    night = WeeklyWindow(4, time(22), time(6), "Europe/Berlin")  # Friday night
    assert night.contains(at(2026, 3, 13, 23))
    assert night.contains(at(2026, 3, 14, 5, 59))
    assert not night.contains(at(2026, 3, 14, 6))
    assert not night.contains(at(2026, 3, 13, 21))


def test_breaks_interrupt_shifts() -> None:
    shift = WeeklyWindow(0, time(9), time(17), "UTC")
    lunch = WeeklyWindow(0, time(12), time(12, 30), "UTC")
    noon = datetime(2026, 1, 5, 12, 10, tzinfo=UTC).timestamp()
    morning = datetime(2026, 1, 5, 10, tzinfo=UTC).timestamp()
    evening = datetime(2026, 1, 5, 18, tzinfo=UTC).timestamp()
    assert is_working((shift,), (lunch,), morning)
    assert not is_working((shift,), (lunch,), noon)
    assert schedule_reason((shift,), (lunch,), noon) == "on_break"
    assert schedule_reason((shift,), (lunch,), evening) == "off_shift"
    assert is_working((), (), evening)


def test_next_boundary_finds_the_next_start_and_end() -> None:
    shift = WeeklyWindow(0, time(9), time(17), "UTC")
    sunday = datetime(2026, 1, 4, 12, tzinfo=UTC).timestamp()
    assert shift.next_boundary(sunday) == datetime(2026, 1, 5, 9, tzinfo=UTC).timestamp()
    monday_noon = datetime(2026, 1, 5, 12, tzinfo=UTC).timestamp()
    assert shift.next_boundary(monday_noon) == datetime(2026, 1, 5, 17, tzinfo=UTC).timestamp()


def test_next_boundary_of_a_night_shift_that_began_yesterday() -> None:
    night = WeeklyWindow(6, time(22), time(6), "UTC")  # Sunday night
    monday_early = datetime(2026, 1, 5, 3, tzinfo=UTC).timestamp()
    assert night.next_boundary(monday_early) == datetime(2026, 1, 5, 6, tzinfo=UTC).timestamp()


def test_weekday_is_checked() -> None:
    with pytest.raises(ValueError, match="weekday"):
        WeeklyWindow(7, time(9), time(17))


def test_heartbeat_timeout_is_inclusive() -> None:
    assert effective_presence(Presence.ONLINE, 100.0, 160.0, 60.0) is Presence.AWAY

"""Quiet hours in the customer's own time zone, across midnight and daylight saving."""

from __future__ import annotations

from datetime import UTC, datetime

from inbox.campaign_quiet_hours import quiet_until, zone


def test_a_window_across_midnight_ends_the_next_local_morning() -> None:
    shanghai = zone("Asia/Shanghai", "UTC")
    late = datetime(2026, 3, 1, 14, 30, tzinfo=UTC)  # 22:30 in Shanghai
    assert quiet_until(late, shanghai, "21:00", "08:00") == datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    early = datetime(2026, 3, 1, 22, 0, tzinfo=UTC)  # 06:00 the next day in Shanghai
    assert quiet_until(early, shanghai, "21:00", "08:00") == datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    assert quiet_until(datetime(2026, 3, 1, 4, 0, tzinfo=UTC), shanghai, "21:00", "08:00") is None


def test_daylight_saving_and_unknown_zones() -> None:
    new_york = zone("America/New_York", "UTC")
    # 23:00 on 7 March 2026 in New York; clocks go forward that night, so 08:00 EDT is 12:00 UTC.
    assert quiet_until(datetime(2026, 3, 8, 4, 0, tzinfo=UTC), new_york, "21:00", "08:00") == datetime(
        2026, 3, 8, 12, 0, tzinfo=UTC
    )
    assert zone("Not/AZone", "Europe/London").key == "Europe/London"
    assert quiet_until(datetime(2026, 3, 1, 23, 0, tzinfo=UTC), zone(None, "UTC"), "00:00", "00:00") is None
    assert quiet_until(datetime(2026, 3, 1, 13, 0, tzinfo=UTC), zone(None, "UTC"), "12:00", "14:00") == datetime(
        2026, 3, 1, 14, 0, tzinfo=UTC
    )

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from inbox.snooze_choices import UnknownChoice, snooze_until

# A Saturday evening in Shanghai, Saturday morning in UTC.
NOW = datetime(2026, 11, 28, 13, 30, tzinfo=UTC)


def test_hours_are_counted_from_now() -> None:
    assert snooze_until("1h", NOW, "Asia/Shanghai") == datetime(2026, 11, 28, 14, 30, tzinfo=UTC)
    assert snooze_until("4h", NOW, None) == datetime(2026, 11, 28, 17, 30, tzinfo=UTC)


def test_mornings_are_in_the_agents_time_zone() -> None:
    # 21:30 on Saturday in Shanghai: tomorrow 09:00 there is Sunday 01:00 UTC.
    assert snooze_until("tomorrow", NOW, "Asia/Shanghai") == datetime(2026, 11, 29, 1, 0, tzinfo=UTC)
    assert snooze_until("next_week", NOW, "Asia/Shanghai") == datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
    assert snooze_until("tomorrow", NOW, "Not/AZone") == datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
    monday = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    assert snooze_until("next_week", monday, "UTC") == datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def test_an_unknown_choice_is_refused() -> None:
    with pytest.raises(UnknownChoice):
        snooze_until("forever", NOW, "UTC")

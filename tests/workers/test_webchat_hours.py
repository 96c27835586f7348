"""Business hours for the chat: read from "mon-fri 09:00-18:00" lines, checked in the configured zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from workers.webchat_hours import is_open, next_opening, parse_hours


def _at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def test_weekday_hours() -> None:
    hours = parse_hours(["mon-fri 09:00-18:00"], "UTC")
    assert len(hours) == 5
    assert is_open(hours, _at("2026-11-23T10:00"))  # a Monday
    assert not is_open(hours, _at("2026-11-23T18:30"))
    assert not is_open(hours, _at("2026-11-28T10:00"))  # a Saturday


def test_no_hours_means_always_open() -> None:
    assert is_open(parse_hours([], "UTC"), _at("2026-11-28T03:00"))


def test_hours_are_read_in_their_time_zone() -> None:
    hours = parse_hours(["mon 09:00-10:00"], "Asia/Shanghai")
    assert is_open(hours, _at("2026-11-23T01:30"))
    assert not is_open(hours, _at("2026-11-23T09:30"))


def test_the_next_opening_is_announced() -> None:
    hours = parse_hours(["mon-fri 09:00-18:00", "sat 10:00-12:00"], "UTC")
    assert next_opening(hours, _at("2026-11-27T20:00")) == "2026-11-28T10:00+00:00"


@pytest.mark.parametrize("line", ["weekdays 9-5", "mon-fri 9:00", "xyz 09:00-10:00"])
def test_unreadable_hours_are_refused(line: str) -> None:
    with pytest.raises(ValueError, match="cannot read"):
        parse_hours([line], "UTC")

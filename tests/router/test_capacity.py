from __future__ import annotations

from router.capacity import DEFAULT_CAPACITY, CapacityProfile


def test_phone_takes_the_agent_whole() -> None:
    assert DEFAULT_CAPACITY.fits("phone", {})
    assert not DEFAULT_CAPACITY.fits("phone", {"email": 1})
    assert not DEFAULT_CAPACITY.fits("email", {"phone": 1})


def test_three_chats_or_ten_emails() -> None:
    assert DEFAULT_CAPACITY.fits("webchat", {"webchat": 2})
    assert not DEFAULT_CAPACITY.fits("webchat", {"webchat": 3})
    assert DEFAULT_CAPACITY.fits("email", {"email": 9})
    assert not DEFAULT_CAPACITY.fits("sms", {"email": 5, "fax": 5})


def test_mixed_load_adds_up_in_units() -> None:
    load = {"webchat": 1, "email": 6}
    assert DEFAULT_CAPACITY.units_used(load) == 28
    assert DEFAULT_CAPACITY.free_units(load) == 2
    assert not DEFAULT_CAPACITY.fits("sms", load)


def test_per_channel_limit_caps_below_units() -> None:
    profile = CapacityProfile(limits={"webchat": 1})
    assert profile.fits("webchat", {})
    assert not profile.fits("webchat", {"webchat": 1})


def test_unhandled_channel_never_fits() -> None:
    email_only = DEFAULT_CAPACITY.only(("email",))
    assert email_only.handles("email")
    assert not email_only.handles("phone")
    assert not email_only.fits("phone", {})


def test_running_sum_can_be_passed_in() -> None:
    assert not DEFAULT_CAPACITY.fits("email", {}, units_used=30)

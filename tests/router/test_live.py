from __future__ import annotations

from router.availability import Presence
from router.capacity import DEFAULT_CAPACITY
from router.live import LiveAgent


def agent() -> LiveAgent:
    live = LiveAgent(1, None, frozenset(), frozenset(), DEFAULT_CAPACITY, Presence.ONLINE, (), ())
    live.update_accepting()
    return live


def test_hold_and_release_keep_units_in_step() -> None:
    live = agent()
    live.hold("webchat", 10, 5.0)
    live.hold("email", 11, 6.0)
    assert live.units_used == 13
    assert live.available_since == 6.0
    live.release("webchat", 10, 9.0)
    assert live.units_used == 3
    assert live.load == {"webchat": 0, "email": 1}
    live.release("webchat", 10, 10.0)  # a second release of the same conversation changes nothing
    assert live.units_used == 3


def test_accepting_needs_presence_heartbeat_and_schedule() -> None:
    live = agent()
    assert live.can_take("phone")
    live.heartbeat_lost = True
    live.update_accepting()
    assert not live.can_take("email")
    assert live.reachable
    live.heartbeat_lost, live.on_shift = False, False
    live.update_accepting()
    assert not live.accepting
    assert not live.reachable


def test_snapshot_reports_a_silent_agent_as_away() -> None:
    live = agent()
    live.heartbeat_lost = True
    assert live.snapshot().presence is Presence.AWAY

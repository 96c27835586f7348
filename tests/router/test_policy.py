from __future__ import annotations

from router.policy import Ring, RouterPolicy, current_ring, innermost_ring, ring_schedule
from router.snapshots import WorkItem

POLICY = RouterPolicy(owner_preference_seconds=60.0, team_preference_seconds=180.0, skill_preference_seconds=600.0)


def test_full_schedule_widens_owner_team_skill_everyone() -> None:
    item = WorkItem(1, "email", 1000.0, owner_agent_id=4, team_id=2)
    assert ring_schedule(item, POLICY, owner_reachable=True) == [
        (Ring.OWNER, 1000.0),
        (Ring.TEAM, 1060.0),
        (Ring.SKILL, 1180.0),
        (Ring.EVERYONE, 1600.0),
    ]


def test_absent_owner_and_missing_team_are_skipped() -> None:
    item = WorkItem(1, "email", 1000.0, owner_agent_id=4)
    assert ring_schedule(item, POLICY, owner_reachable=False) == [
        (Ring.SKILL, 1000.0),
        (Ring.EVERYONE, 1600.0),
    ]


def test_none_holds_a_ring_for_ever() -> None:
    policy = RouterPolicy(skill_preference_seconds=None)
    item = WorkItem(1, "email", 0.0)
    assert ring_schedule(item, policy, owner_reachable=False) == [(Ring.SKILL, 0.0)]
    assert current_ring(item, policy, 1e9, owner_reachable=False) is Ring.SKILL


def test_current_ring_follows_elapsed_wait() -> None:
    item = WorkItem(1, "email", 1000.0, owner_agent_id=4, team_id=2)
    assert current_ring(item, POLICY, 1000.0, True) is Ring.OWNER
    assert current_ring(item, POLICY, 1100.0, True) is Ring.TEAM
    assert current_ring(item, POLICY, 1200.0, True) is Ring.SKILL
    assert current_ring(item, POLICY, 5000.0, True) is Ring.EVERYONE


def test_rings_are_cumulative() -> None:
    item = WorkItem(1, "email", 0.0, owner_agent_id=4, team_id=2, required_skills=frozenset({"billing"}))
    billing = frozenset({"billing"})
    assert innermost_ring(4, None, frozenset(), item, Ring.OWNER) is Ring.OWNER
    assert innermost_ring(5, 2, frozenset(), item, Ring.OWNER) is None
    assert innermost_ring(5, 2, frozenset(), item, Ring.TEAM) is Ring.TEAM
    assert innermost_ring(6, 3, billing, item, Ring.TEAM) is None
    assert innermost_ring(6, 3, billing, item, Ring.SKILL) is Ring.SKILL
    assert innermost_ring(7, 3, frozenset(), item, Ring.SKILL) is None
    assert innermost_ring(7, 3, frozenset(), item, Ring.EVERYONE) is Ring.EVERYONE
    assert innermost_ring(4, None, frozenset(), item, Ring.EVERYONE) is Ring.OWNER


def test_synchronous_channels() -> None:
    assert RouterPolicy().is_synchronous("phone")
    assert RouterPolicy().is_synchronous("webchat")
    assert not RouterPolicy().is_synchronous("email")

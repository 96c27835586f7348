from __future__ import annotations

from router.snapshots import AgentSnapshot, WorkItem


def test_preferred_agents_are_owner_then_last_without_repeats() -> None:
    assert WorkItem(1, "email", 0.0).preferred_agents() == ()
    assert WorkItem(1, "email", 0.0, owner_agent_id=7, last_agent_id=3).preferred_agents() == (7, 3)
    assert WorkItem(1, "email", 0.0, owner_agent_id=7, last_agent_id=7).preferred_agents() == (7,)
    assert WorkItem(1, "email", 0.0, last_agent_id=3).preferred_agents() == (3,)


def test_language_matching() -> None:
    unrestricted = AgentSnapshot(1)
    english = AgentSnapshot(2, languages=frozenset({"en"}))
    assert unrestricted.speaks("zh")
    assert english.speaks("en")
    assert english.speaks(None)
    assert not english.speaks("zh")

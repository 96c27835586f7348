from __future__ import annotations

from router.pools import PoolKey, PoolKind

CHANNELS = frozenset({"email", "phone"})


def test_owner_pool_admits_only_the_owner() -> None:
    key = PoolKey(PoolKind.OWNER, "email", None, 7)
    assert key.admits(7, None, frozenset(), frozenset(), CHANNELS)
    assert not key.admits(8, None, frozenset(), frozenset(), CHANNELS)


def test_team_and_skill_pools() -> None:
    team = PoolKey(PoolKind.TEAM, "email", None, 3)
    assert team.admits(1, 3, frozenset(), frozenset(), CHANNELS)
    assert not team.admits(1, 4, frozenset(), frozenset(), CHANNELS)
    skill = PoolKey(PoolKind.SKILL, "email", None, frozenset({"billing"}))
    assert skill.admits(1, None, frozenset({"billing", "general"}), frozenset(), CHANNELS)
    assert not skill.admits(1, None, frozenset({"general"}), frozenset(), CHANNELS)


def test_channel_and_language_are_hard_requirements() -> None:
    everyone_zh = PoolKey(PoolKind.ALL, "email", "zh", None)
    assert everyone_zh.admits(1, None, frozenset(), frozenset({"zh"}), CHANNELS)
    assert everyone_zh.admits(1, None, frozenset(), frozenset(), CHANNELS)  # unrestricted agent
    assert not everyone_zh.admits(1, None, frozenset(), frozenset({"en"}), CHANNELS)
    assert not PoolKey(PoolKind.ALL, "fax", None, None).admits(1, None, frozenset(), frozenset(), CHANNELS)

from __future__ import annotations

from router.availability import Presence
from router.capacity import DEFAULT_CAPACITY
from router.index import PoolIndex, pool_keys_by_ring
from router.live import LiveAgent, LiveConversation
from router.policy import Ring, SelectionStrategy
from router.pools import PoolKey, PoolKind
from router.snapshots import WorkItem


def live_agent(agent_id: int, team_id: int | None = None, skills: frozenset[str] = frozenset()) -> LiveAgent:
    agent = LiveAgent(agent_id, team_id, skills, frozenset(), DEFAULT_CAPACITY, Presence.ONLINE, (), ())
    agent.update_accepting()
    return agent


def test_pool_keys_widen_with_the_ring() -> None:
    item = WorkItem(1, "email", 0.0, owner_agent_id=4, team_id=2, required_skills=frozenset({"x"}))
    assert [ring for ring, _ in pool_keys_by_ring(item, Ring.OWNER)] == [Ring.OWNER]
    levels = pool_keys_by_ring(item, Ring.EVERYONE)
    assert [ring for ring, _ in levels] == [Ring.OWNER, Ring.TEAM, Ring.SKILL, Ring.EVERYONE]
    assert levels[-1][1] == [PoolKey(PoolKind.ALL, "email", None, None)]


def test_new_pools_and_new_agents_find_each_other() -> None:
    agents = {1: live_agent(1, team_id=7), 2: live_agent(2, skills=frozenset({"x"}))}
    index = PoolIndex(agents, SelectionStrategy.LONGEST_IDLE)
    for agent in agents.values():
        index.attach(agent)
    skill_pool = index.pool(PoolKey(PoolKind.SKILL, "email", None, frozenset({"x"})))
    team_pool = index.pool(PoolKey(PoolKind.TEAM, "email", None, 7))
    assert skill_pool.eligible == {2}
    assert team_pool.eligible == {1}
    agents[3] = live_agent(3, team_id=7, skills=frozenset({"x"}))
    index.attach(agents[3])
    assert skill_pool.eligible == {2, 3}
    assert team_pool.eligible == {1, 3}
    index.detach(agents[3])
    assert skill_pool.eligible == {2}


def test_best_ready_skips_refusals_without_losing_them() -> None:
    agents = {1: live_agent(1), 2: live_agent(2)}
    agents[1].available_since, agents[2].available_since = 0.0, 5.0
    index = PoolIndex(agents, SelectionStrategy.LONGEST_IDLE)
    pool = index.pool(PoolKey(PoolKind.ALL, "email", None, None))
    for agent in agents.values():
        index.attach(agent)
    refused = LiveConversation(WorkItem(1, "email", 0.0), 0.0, 1, 0.0, declined={1})
    fresh = LiveConversation(WorkItem(2, "email", 0.0), 0.0, 2, 0.0)
    found = index.best_ready(pool, refused)
    assert found is not None and found[1].agent_id == 2
    found = index.best_ready(pool, fresh)
    assert found is not None and found[1].agent_id == 1


def test_ready_heap_stays_bounded_under_many_refreshes() -> None:
    agents = {agent_id: live_agent(agent_id) for agent_id in range(5)}
    index = PoolIndex(agents, SelectionStrategy.LONGEST_IDLE)
    pool = index.pool(PoolKey(PoolKind.ALL, "email", None, None))
    for agent in agents.values():
        index.attach(agent)
    for round_number in range(1000):
        agent = agents[round_number % 5]
        agent.available_since = float(round_number)
        index.refresh(agent)
    assert len(pool.ready) <= pool.ready_limit
    found = index.best_ready(pool, LiveConversation(WorkItem(1, "email", 0.0), 0.0, 1, 0.0))
    assert found is not None and found[1].agent_id == 0

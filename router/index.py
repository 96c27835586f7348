"""The engine's indexes: which pools exist, which agents belong to each, and the look-ups a decision needs.

An agent belongs to a pool when they could ever take its conversations (channel, language, ring criterion);
whether they can take one *now* (presence, shift, capacity) is checked when their entry reaches the top of
the pool's ``ready`` heap. So pool membership changes only when an agent's profile changes, never on every
assignment.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable

from router.decide import strategy_rank
from router.lanes import Entry
from router.live import ConversationStatus, LiveAgent, LiveConversation
from router.policy import Ring, SelectionStrategy
from router.pools import Pool, PoolKey, PoolKind, ReadyEntry
from router.snapshots import WorkItem

# Refusals are rare, so looking a few entries past the top of a heap is enough to step over them.
LOOKAHEAD_PAST_DECLINED = 64


def pool_keys_by_ring(item: WorkItem, ring: Ring) -> list[tuple[Ring, list[PoolKey]]]:
    """The pools an item waits in at ``ring``, innermost first. Rings are cumulative, so are the pools."""
    channel, language = item.channel, item.language
    levels: list[tuple[Ring, list[PoolKey]]] = []
    owners = [PoolKey(PoolKind.OWNER, channel, language, agent) for agent in item.preferred_agents()]
    if owners:
        levels.append((Ring.OWNER, owners))
    if ring >= Ring.TEAM and item.team_id is not None:
        levels.append((Ring.TEAM, [PoolKey(PoolKind.TEAM, channel, language, item.team_id)]))
    if ring >= Ring.SKILL:
        levels.append((Ring.SKILL, [PoolKey(PoolKind.SKILL, channel, language, item.required_skills)]))
    if ring >= Ring.EVERYONE:
        levels.append((Ring.EVERYONE, [PoolKey(PoolKind.ALL, channel, language, None)]))
    return levels


class PoolIndex:
    def __init__(self, agents: dict[int, LiveAgent], strategy: SelectionStrategy, spare_blended: bool = True) -> None:
        self.agents = agents
        self.strategy = strategy
        self.spare_blended = spare_blended
        self.pools: dict[PoolKey, Pool] = {}
        self._owner_pools: dict[int, list[PoolKey]] = {}
        self._team_pools: dict[int, list[PoolKey]] = {}
        self._open_pools: list[PoolKey] = []  # skill and everyone pools: any agent may qualify
        self._agents_by_team: dict[int, set[int]] = {}

    def _admits(self, key: PoolKey, agent: LiveAgent) -> bool:
        return key.admits(agent.agent_id, agent.team_id, agent.skills, agent.languages, agent.capacity.weights)

    def _ready_entry(self, agent: LiveAgent) -> ReadyEntry:
        free = agent.capacity.total_units - agent.units_used
        spare, first, second = strategy_rank(self.strategy, agent.units_used, free, agent.available_since, agent.spare)
        return (spare, first, second, agent.agent_id, agent.version)

    def pool(self, key: PoolKey) -> Pool:
        existing = self.pools.get(key)
        if existing is not None:
            return existing
        pool = Pool(key)
        self.pools[key] = pool
        if key.kind is PoolKind.OWNER:
            assert isinstance(key.group, int)
            self._owner_pools.setdefault(key.group, []).append(key)
            candidates: list[int] = [key.group] if key.group in self.agents else []
        elif key.kind is PoolKind.TEAM:
            assert isinstance(key.group, int)
            self._team_pools.setdefault(key.group, []).append(key)
            candidates = list(self._agents_by_team.get(key.group, ()))
        else:
            self._open_pools.append(key)
            candidates = list(self.agents)
        for agent_id in candidates:
            agent = self.agents[agent_id]
            if self._admits(key, agent):
                pool.eligible.add(agent_id)
                agent.pools.setdefault(key.channel, []).append(pool)
                self._note_smallest_weight(agent)
                if agent.can_take(key.channel):
                    pool.push_ready(self._ready_entry(agent))
        return pool

    def attach(self, agent: LiveAgent) -> None:
        """Place a new or detached agent in every existing pool that admits them."""
        if agent.team_id is not None:
            self._agents_by_team.setdefault(agent.team_id, set()).add(agent.agent_id)
        candidates = (
            self._owner_pools.get(agent.agent_id, [])
            + (self._team_pools.get(agent.team_id, []) if agent.team_id is not None else [])
            + self._open_pools
        )
        for key in candidates:
            if self._admits(key, agent):
                pool = self.pools[key]
                pool.eligible.add(agent.agent_id)
                agent.pools.setdefault(key.channel, []).append(pool)
        self._note_smallest_weight(agent)
        self.refresh(agent)

    def detach(self, agent: LiveAgent) -> None:
        """Take an agent out of every pool; call before changing their team, skills, languages or channels."""
        for pools in agent.pools.values():
            for pool in pools:
                pool.eligible.discard(agent.agent_id)
        agent.pools = {}
        if agent.team_id is not None:
            self._agents_by_team.get(agent.team_id, set()).discard(agent.agent_id)
        agent.version += 1

    def _note_smallest_weight(self, agent: LiveAgent) -> None:
        weights = agent.capacity.weights
        agent.smallest_weight = min(
            (weights[channel] for channel in agent.pools), default=agent.capacity.total_units + 1
        )
        # Kept with the weights because it is read on every re-index (see ``router.decide.spare_rank``).
        agent.spare = max(weights.values(), default=0) if self.spare_blended else 0

    def refresh(self, agent: LiveAgent) -> None:
        """Record a change in what the agent can take: older heap entries for them become stale."""
        agent.version += 1
        # A full agent is the common case after a decision: no channel fits, so skip asking each one.
        if not agent.accepting or agent.units_used + agent.smallest_weight > agent.capacity.total_units:
            return
        entry = self._ready_entry(agent)
        for channel, pools in agent.pools.items():
            if not agent.can_take(channel):
                continue
            for pool in pools:
                heapq.heappush(pool.ready, entry)
                if len(pool.ready) > pool.ready_limit:
                    self._compact_ready(pool)

    def _compact_ready(self, pool: Pool) -> None:
        fresh: list[ReadyEntry] = []
        for agent_id in pool.eligible:
            agent = self.agents[agent_id]
            if agent.can_take(pool.key.channel):
                fresh.append(self._ready_entry(agent))
        heapq.heapify(fresh)
        pool.ready = fresh
        pool.ready_limit = 2 * len(fresh) + 2 * len(pool.eligible) + 32

    def best_ready(self, pool: Pool, conversation: LiveConversation) -> tuple[ReadyEntry, LiveAgent] | None:
        """The best agent in ``pool`` who can take ``conversation`` now, stale entries dropped on the way."""
        heap = pool.ready
        skipped: list[ReadyEntry] = []
        found: tuple[ReadyEntry, LiveAgent] | None = None
        channel = pool.key.channel
        while heap and len(skipped) < LOOKAHEAD_PAST_DECLINED:
            entry = heap[0]
            agent = self.agents.get(entry[3])
            if agent is None or agent.version != entry[4] or not agent.can_take(channel):
                heapq.heappop(heap)
                continue
            if conversation.declined_by(agent.agent_id):
                skipped.append(heapq.heappop(heap))
                continue
            found = (entry, agent)
            break
        for entry in skipped:
            heapq.heappush(heap, entry)
        return found

    def head_for(self, pool: Pool, agent_id: int) -> LiveConversation | None:
        """The first waiting conversation in ``pool`` this agent has not refused."""
        queue = pool.waiting
        skipped: list[tuple[Entry[LiveConversation], float]] = []
        found: LiveConversation | None = None
        while len(skipped) < LOOKAHEAD_PAST_DECLINED:
            entry = queue.head
            if entry is None:
                break
            conversation = entry[3]
            if conversation.status is not ConversationStatus.WAITING or conversation.generation != entry[2]:
                queue.pop()
                continue
            if conversation.declined_by(agent_id):
                skipped.append((queue.pop(), conversation.lane))
                continue
            found = conversation
            break
        for entry, lane in skipped:
            queue.push(entry, lane)
        return found

    def waiting_in(self, key: PoolKey, visit: Callable[[LiveConversation, int], None]) -> None:
        """Call ``visit(conversation, generation)`` for every entry of a pool's queue, stale ones included."""
        pool = self.pools.get(key)
        if pool is not None:
            for entry in list(pool.waiting):  # a copy: ``visit`` may re-queue
                visit(entry[3], entry[2])

    def owner_pools(self, agent_id: int) -> list[PoolKey]:
        return list(self._owner_pools.get(agent_id, ()))

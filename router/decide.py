"""The one-shot decision: given one conversation and every agent, who takes it now and why.

This is the reference semantics. ``RoutingEngine`` reaches the same choices through indexes; this function
looks at every agent, which is what makes its explanation complete (every agent appears with the filter that
removed it).
"""

from __future__ import annotations

from collections.abc import Iterable

from router.availability import Presence, effective_presence, schedule_reason
from router.capacity import CapacityProfile
from router.explain import AgentVerdict, Decision, Explanation, Filter
from router.policy import Ring, RouterPolicy, SelectionStrategy, admitting_ring, current_ring
from router.priority import priority_key
from router.snapshots import AgentSnapshot, WorkItem


def spare_rank(policy: RouterPolicy, capacity: CapacityProfile) -> int:
    """The heaviest channel the agent handles, when the policy spares blended agents (see ``RouterPolicy``):
    agents whose capacity only light work needs come first."""
    if not policy.spare_blended_agents:
        return 0
    return max(capacity.weights.values(), default=0)


def strategy_rank(
    strategy: SelectionStrategy, units_used: int, free_units: int, available_since: float, spare: int = 0
) -> tuple[int, float, float]:
    """Smaller ranks are chosen first: ``spare`` (see ``spare_rank``), then the strategy. Ties fall back to the
    longest idle so every strategy stays fair."""
    if strategy is SelectionStrategy.LEAST_BUSY:
        return (spare, float(units_used), available_since)
    if strategy is SelectionStrategy.MOST_AVAILABLE:
        return (spare, float(-free_units), available_since)
    return (spare, available_since, 0.0)


def strategy_score(strategy: SelectionStrategy, rank: tuple[int, float, float], now: float) -> float:
    """The strategy's part of the rank as a number a person reads with "higher is better": idle seconds,
    negated load or free units."""
    if strategy is SelectionStrategy.LONGEST_IDLE:
        return now - rank[1]
    return -rank[1]


def _reachable(agent: AgentSnapshot, now: float) -> bool:
    """Worth waiting for as an owner: present and on shift; busy, away or on a break only for a while."""
    return agent.presence is not Presence.OFFLINE and schedule_reason(agent.shifts, (), now) is None


def owner_reachable(item: WorkItem, agents: Iterable[AgentSnapshot], now: float) -> bool:
    preferred = set(item.preferred_agents())
    return any(agent.agent_id in preferred and _reachable(agent, now) for agent in agents)


def _verdict(agent: AgentSnapshot, item: WorkItem, ring: Ring, now: float, policy: RouterPolicy) -> AgentVerdict:
    presence = effective_presence(agent.presence, agent.last_heartbeat, now, policy.heartbeat_timeout_seconds)
    if presence is not Presence.ONLINE:
        return AgentVerdict(agent.agent_id, Filter.PRESENCE, detail=presence.value)
    schedule = schedule_reason(agent.shifts, agent.breaks, now)
    if schedule is not None:
        return AgentVerdict(agent.agent_id, schedule)
    if not agent.capacity.handles(item.channel):
        return AgentVerdict(agent.agent_id, Filter.CHANNEL, detail=item.channel)
    if not agent.speaks(item.language):
        return AgentVerdict(agent.agent_id, Filter.LANGUAGE, detail=item.language)
    if agent.agent_id in item.declined_by:
        return AgentVerdict(agent.agent_id, Filter.DECLINED)
    admitted = admitting_ring(agent, item, ring)
    if admitted is None:
        return AgentVerdict(agent.agent_id, Filter.RING, detail=ring.label)
    used = agent.capacity.units_used(agent.load)
    if not agent.capacity.fits(item.channel, agent.load, used):
        return AgentVerdict(agent.agent_id, Filter.CAPACITY, detail=f"{used}/{agent.capacity.total_units}")
    rank = strategy_rank(
        policy.strategy,
        used,
        agent.capacity.total_units - used,
        agent.available_since,
        spare_rank(policy, agent.capacity),
    )
    return AgentVerdict(agent.agent_id, None, strategy_score(policy.strategy, rank, now), admitted.label)


def decide(item: WorkItem, agents: Iterable[AgentSnapshot], now: float, policy: RouterPolicy | None = None) -> Decision:
    """Choose an agent for ``item`` among ``agents`` at ``now`` (POSIX seconds).

    The innermost ring with a candidate wins (the owner before the team before anyone with the skills), then
    the policy's strategy, then the lowest agent id so the outcome never depends on input order.
    """
    policy = policy or RouterPolicy()
    agents = list(agents)
    ring = current_ring(item, policy, now, owner_reachable(item, agents, now))
    verdicts: list[AgentVerdict] = []
    best: tuple[int, tuple[int, float, float], int] | None = None
    for agent in agents:
        verdict = _verdict(agent, item, ring, now, policy)
        verdicts.append(verdict)
        if verdict.removed_by is not None or verdict.ring is None:
            continue
        used = agent.capacity.units_used(agent.load)
        rank = strategy_rank(
            policy.strategy,
            used,
            agent.capacity.total_units - used,
            agent.available_since,
            spare_rank(policy, agent.capacity),
        )
        order = (int(Ring[verdict.ring.upper()]), rank, agent.agent_id)
        if best is None or order < best:
            best = order
    chosen = None if best is None else best[2]
    explanation = Explanation(
        conversation_id=item.conversation_id,
        at=now,
        ring=ring.label,
        priority_key=priority_key(item.arrived_at, item.tier, item.boosts, policy.offsets),
        strategy=policy.strategy.value,
        verdicts=tuple(verdicts),
        chosen_agent_id=chosen,
        reason="no eligible agent with free capacity" if chosen is None else f"{policy.strategy.value} in ring",
        boosts=item.boosts.active(),
        tier=item.tier.name.lower(),
    )
    return Decision(
        item.conversation_id, chosen, chosen is not None and policy.is_synchronous(item.channel), explanation
    )

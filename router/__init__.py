"""The router: which agent takes which conversation, ordered by customer value and bounded by availability.

Pure standard-library code: it is handed snapshots and returns decisions, and never touches the store or the
network.

Public API
----------
Snapshots (frozen dataclasses; times are POSIX seconds, ids are ints, channels are names such as "email"):

- ``AgentSnapshot(agent_id, presence=Presence.ONLINE, last_heartbeat=None, shifts=(), breaks=(), team_id=None,
  skills=frozenset(), languages=frozenset(), capacity=CapacityProfile(), load={}, available_since=0.0)``
- ``WorkItem(conversation_id, channel, arrived_at, tier=Tier.BRONZE, boosts=Boosts(), owner_agent_id=None,
  last_agent_id=None, team_id=None, required_skills=frozenset(), language=None, declined_by=frozenset())``
- ``Boosts(open_complaint, at_risk_customer, sla_at_risk, key_account)``; ``WeeklyWindow(weekday, start, end,
  timezone)`` for shifts and breaks; ``CapacityProfile(total_units=30, weights={...}, limits={})``.

Policy: ``RouterPolicy(strategy=SelectionStrategy.LONGEST_IDLE, offsets=PriorityOffsets(), synchronous_channels,
offer_timeout_seconds=20, heartbeat_timeout_seconds=60, owner_preference_seconds=120, team_preference_seconds=300,
skill_preference_seconds=900, reserve_for_synchronous=False, spare_blended_agents=True)``. Agents are ranked by the
heaviest channel they handle first when ``spare_blended_agents`` is on (light work goes to agents no call needs),
then by the strategy; in a centre where agents hold several conversations at once, ``LEAST_BUSY`` evens out their
occupancy where ``LONGEST_IDLE`` evens out only how many conversations each is handed.

One-shot: ``decide(item, agents, now, policy=None) -> Decision`` with ``Decision.agent_id: int | None``,
``Decision.offer: bool`` (true for synchronous channels: the agent must accept) and ``Decision.explanation``
(``Explanation.to_dict()`` is JSON-ready).

Engine: ``RoutingEngine(policy)``. Events, each returning the ``list[Decision]`` it caused:
``upsert_agent(snapshot, now)``, ``remove_agent(agent_id, now)``, ``set_presence(agent_id, presence, now)``,
``heartbeat(agent_id, now)``, ``set_capacity(agent_id, capacity, now)``, ``shift_started(agent_id, now)``,
``shift_ended(agent_id, now)``, ``set_schedule_state(agent_id, on_shift, on_break, now)``,
``sync_schedules(now)``, ``conversation_arrived(item, now)``, ``conversation_resolved(conversation_id, now)``,
``conversation_withdrawn(conversation_id, now)``, ``offer_declined(conversation_id, agent_id, now)``,
``tick(now)``. Also ``offer_accepted(conversation_id, agent_id, now) -> bool`` (False: the offer is gone),
``conversation_started(conversation_id, now)``, ``restore_assignment(item, agent_id, now, started=True)`` to
rebuild held work at start-up, ``next_deadline() -> float | None`` (when to call ``tick``), and inspection:
``status_of``, ``agent_of``, ``load_of``, ``reserved_for``, ``agent_ids``, ``explain(conversation_id, now)``
(a full trace over every agent).

Customer value (for the recomputation job): ``value_score``, ``cost_to_serve``, ``tier_by_threshold``,
``tiers_by_percentile``, ``is_key_account``, ``relationship_class`` with their config dataclasses.
"""

from __future__ import annotations

from router.availability import Presence, WeeklyWindow, effective_presence, is_working
from router.capacity import DEFAULT_CAPACITY, CapacityProfile
from router.decide import decide
from router.engine import RoutingEngine
from router.explain import AgentVerdict, Decision, Explanation, Filter
from router.live import ConversationStatus
from router.policy import Ring, RouterPolicy, SelectionStrategy
from router.priority import Boosts, PriorityOffsets, priority_key
from router.snapshots import AgentSnapshot, WorkItem
from router.value import (
    CustomerValueInputs,
    KeyAccountRule,
    RelationshipClass,
    RelationshipRule,
    Tier,
    TierShares,
    TierThresholds,
    ValueWeights,
    cost_to_serve,
    is_key_account,
    relationship_class,
    tier_by_threshold,
    tiers_by_percentile,
    value_score,
)

__all__ = [
    "DEFAULT_CAPACITY",
    "AgentSnapshot",
    "AgentVerdict",
    "Boosts",
    "CapacityProfile",
    "ConversationStatus",
    "CustomerValueInputs",
    "Decision",
    "Explanation",
    "Filter",
    "KeyAccountRule",
    "Presence",
    "PriorityOffsets",
    "RelationshipClass",
    "RelationshipRule",
    "Ring",
    "RouterPolicy",
    "RoutingEngine",
    "SelectionStrategy",
    "Tier",
    "TierShares",
    "TierThresholds",
    "ValueWeights",
    "WeeklyWindow",
    "WorkItem",
    "cost_to_serve",
    "decide",
    "effective_presence",
    "is_key_account",
    "is_working",
    "priority_key",
    "relationship_class",
    "tier_by_threshold",
    "tiers_by_percentile",
    "value_score",
]

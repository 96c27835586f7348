"""The router: which agent takes which conversation, ordered by customer value and bounded by availability.

Pure standard-library code: it is handed snapshots and returns decisions, and never touches the store or
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

Policy: ``RouterPolicy(strategy, offsets=PriorityOffsets(...), synchronous_channels, offer_timeout_seconds,
heartbeat_timeout_seconds, owner_preference_seconds, team_preference_seconds, skill_preference_seconds)``.

One-shot: ``decide(item, agents, now, policy=None) -> Decision`` with ``Decision.agent_id: int | None``,
``Decision.offer: bool`` (true for synchronous channels: the agent must accept) and ``Decision.explanation``
(``Explanation.to_dict()`` is JSON-ready).

Engine: ``RoutingEngine(policy)`` with events ``upsert_agent``, ``remove_agent``, ``set_presence``,
``heartbeat``,
``set_capacity``, ``shift_started``, ``shift_ended``, ``set_schedule_state``, ``sync_schedules``,
``conversation_arrived``, ``conversation_started``, ``conversation_resolved``, ``conversation_withdrawn``,
``offer_accepted`` (returns bool), ``offer_declined``, ``tick``; each returns the ``list[Decision]`` it
caused.
``restore_assignment`` rebuilds held work at start-up; ``next_deadline()`` tells when to call ``tick`` next;
``explain(conversation_id, now)`` gives a full trace of a waiting conversation.

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

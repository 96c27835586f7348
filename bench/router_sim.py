"""Discrete-event simulation of a contact centre driven by the real ``RoutingEngine``.

B1 compares one phone pool with the Erlang C and Erlang A formulas, B2 adds value tiers to the same load, B3 runs an
omnichannel day with shifts, skills and per-channel capacity against first-come-first-served, strict priority and
least-busy baselines. Every run is seeded: the same command prints the same figures.

The simulation owns the clock and the customers; the engine only sees events and returns decisions, exactly as the
job code drives it. Service and patience times are drawn per call when it arrives, so two policies run on the same
seed see the same customers (common random numbers) and differ only in the decisions the router makes.
"""

from __future__ import annotations

import heapq
import math
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import time as clock_time

from _report import target

from router import (
    AgentSnapshot,
    CapacityProfile,
    Decision,
    PriorityOffsets,
    RouterPolicy,
    RoutingEngine,
    SelectionStrategy,
    Tier,
    WorkItem,
)
from router.capacity import DEFAULT_CAPACITY
from router.policy import current_ring, innermost_ring

HOUR = 3600.0
TIERS_TOP_DOWN = (Tier.PLATINUM, Tier.GOLD, Tier.SILVER, Tier.BRONZE)

# Event kinds double as the order of events that share a timestamp: customers act first, the engine's timers
# next, and the invariant checks last, when everything due at that moment has happened.
ARRIVAL, COMPLETE, ABANDON, ACCEPT, SHIFT, TICK, CHECK = range(7)


# -- queueing formulas ---------------------------------------------------------------------------------------


def erlang_c(arrivals_per_second: float, mean_handling: float, agents: int) -> tuple[float, float]:
    """Probability of waiting and mean wait of M/M/c, via the Erlang B recursion (stable for large c)."""
    load = arrivals_per_second * mean_handling
    blocking = 1.0
    for servers in range(1, agents + 1):
        blocking = load * blocking / (servers + load * blocking)
    waiting = agents * blocking / (agents - load * (1.0 - blocking))
    return waiting, waiting * mean_handling / (agents - load)


def erlang_c_service_level(arrivals_per_second: float, mean_handling: float, agents: int, within: float) -> float:
    waiting, _ = erlang_c(arrivals_per_second, mean_handling, agents)
    load = arrivals_per_second * mean_handling
    return 1.0 - waiting * math.exp(-(agents - load) * within / mean_handling)


def erlang_a(
    arrivals_per_second: float, mean_handling: float, agents: int, mean_patience: float
) -> tuple[float, float]:
    """Abandonment probability and mean wait of M/M/c+M from the birth-death chain's stationary distribution.

    In state n (calls in the system) calls arrive at rate λ and leave at min(n, c)·μ + max(n − c, 0)·θ; the chain
    is truncated where the probabilities underflow. Abandonment is θ·E[queue]/λ; the mean wait of all calls,
    served and abandoned, is E[queue]/λ (Little).
    """
    service_rate, patience_rate = 1.0 / mean_handling, 1.0 / mean_patience
    weights = [1.0]
    state = 0
    while True:
        state += 1
        leave = min(state, agents) * service_rate + max(state - agents, 0) * patience_rate
        weights.append(weights[-1] * arrivals_per_second / leave)
        if state > agents and weights[-1] < 1e-16 * sum(weights):
            break
    total = sum(weights)
    queue = sum(max(n - agents, 0) * weight for n, weight in enumerate(weights)) / total
    return patience_rate * queue / arrivals_per_second, queue / arrivals_per_second


# -- the simulation ------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Call:
    conversation_id: int
    channel: str
    arrived_at: float
    tier: Tier
    handling: float
    patience: float | None
    value_weight: float = 1.0
    answered_at: float | None = None
    abandoned: bool = False
    agent_id: int | None = None
    item: WorkItem | None = None
    declined: set[int] = field(default_factory=set)


@dataclass(slots=True)
class AgentBook:
    """The simulation's own record of each agent, kept to check the engine rather than trusted from it."""

    capacity: CapacityProfile
    load: dict[str, int] = field(default_factory=dict)
    working: bool = True
    busy_unit_seconds: float = 0.0
    working_seconds: float = 0.0
    last_change: float = 0.0

    def units(self) -> int:
        return self.capacity.units_used(self.load)

    def account(self, now: float) -> None:
        elapsed = now - self.last_change
        if self.working:
            self.working_seconds += elapsed
            self.busy_unit_seconds += elapsed * self.units() / self.capacity.total_units
        self.last_change = now


ArrivalSource = Callable[[random.Random, float], "Call | None"]


class Simulation:
    def __init__(self, engine: RoutingEngine, seed: int, accept_delay: float = 0.0, decline_rate: float = 0.0):
        self.engine = engine
        self.rng = random.Random(seed)
        self.decision_rng = random.Random(seed + 7919)
        self.accept_delay = accept_delay
        self.decline_rate = decline_rate
        self.events: list[tuple[float, int, int, int, int]] = []
        self.sequence = 0
        self.now = 0.0
        self.calls: dict[int, Call] = {}
        self.finished: list[Call] = []
        self.agents: dict[int, AgentBook] = {}
        self.waiting: set[int] = set()
        self.tick_due = math.inf
        self.capacity_violations = 0
        self.idle_violations = 0
        self.checks = 0
        self.decisions = 0
        self.profiles: dict[int, tuple[int | None, frozenset[str], frozenset[str]]] = {}

    def schedule(self, at: float, kind: int, target_id: int = 0, extra: int = 0) -> None:
        self.sequence += 1
        heapq.heappush(self.events, (at, kind, self.sequence, target_id, extra))

    def add_agent(self, snapshot: AgentSnapshot, working: bool = True) -> None:
        self.agents[snapshot.agent_id] = AgentBook(snapshot.capacity, working=working, last_change=self.now)
        self.profiles[snapshot.agent_id] = (snapshot.team_id, snapshot.skills, snapshot.languages)
        self.apply(self.engine.upsert_agent(snapshot, self.now))
        if not working:
            self.apply(self.engine.shift_ended(snapshot.agent_id, self.now))

    def arrive(self, call: Call, item: WorkItem) -> None:
        call.item = item
        self.calls[call.conversation_id] = call
        self.waiting.add(call.conversation_id)
        if call.patience is not None:
            self.schedule(call.arrived_at + call.patience, ABANDON, call.conversation_id)
        self.apply(self.engine.conversation_arrived(item, self.now))

    def apply(self, decisions: Iterable[Decision]) -> None:
        for decision in decisions:
            conversation_id, agent_id = decision.conversation_id, decision.agent_id
            if agent_id is None:
                continue
            self.decisions += 1
            call = self.calls[conversation_id]
            self.waiting.discard(conversation_id)
            call.agent_id = agent_id
            book = self.agents[agent_id]
            book.account(self.now)
            book.load[call.channel] = book.load.get(call.channel, 0) + 1
            if not book.capacity.fits(call.channel, {}, 0) or book.units() > book.capacity.total_units:
                self.capacity_violations += 1
            limit = book.capacity.limits.get(call.channel)
            if limit is not None and book.load[call.channel] > limit:
                self.capacity_violations += 1
            if decision.offer:
                self.schedule(self.now + self.accept_delay, ACCEPT, conversation_id, agent_id)
            else:
                self.engine.conversation_started(conversation_id, self.now)
                self.start_service(call)
        deadline = self.engine.next_deadline()
        if deadline is not None and deadline < self.tick_due:
            self.tick_due = max(deadline, self.now)
            self.schedule(self.tick_due, TICK)

    def start_service(self, call: Call) -> None:
        call.answered_at = self.now
        self.schedule(self.now + call.handling, COMPLETE, call.conversation_id)

    def release(self, call: Call) -> None:
        if call.agent_id is None:
            return
        book = self.agents[call.agent_id]
        book.account(self.now)
        book.load[call.channel] -= 1
        call.agent_id = None

    def run(self, until: float, source: ArrivalSource, check_every: float | None = None) -> None:
        first = source(self.rng, 0.0)
        if first is not None:
            self.schedule(first.arrived_at, ARRIVAL, first.conversation_id)
            self.calls[first.conversation_id] = first
        if check_every is not None:
            self.schedule(check_every, CHECK)
        while self.events:
            at, kind, _, target_id, extra = heapq.heappop(self.events)
            if at > until and kind == ARRIVAL:
                continue
            self.now = at
            if kind == ARRIVAL:
                call = self.calls.pop(target_id)
                upcoming = source(self.rng, at)
                if upcoming is not None and upcoming.arrived_at <= until:
                    self.calls[upcoming.conversation_id] = upcoming
                    self.schedule(upcoming.arrived_at, ARRIVAL, upcoming.conversation_id)
                self.arrive(call, self.make_item(call))
            elif kind == ACCEPT:
                self.on_accept(target_id, extra)
            elif kind == COMPLETE:
                call = self.calls.pop(target_id)
                self.release(call)
                self.finished.append(call)
                self.apply(self.engine.conversation_resolved(target_id, at))
            elif kind == ABANDON:
                self.on_abandon(target_id)
            elif kind == TICK:
                if at >= self.tick_due:
                    self.tick_due = math.inf
                self.apply(self.engine.tick(at))
            elif kind == SHIFT:
                self.on_shift(target_id, bool(extra))
            elif kind == CHECK:
                self.check_idle_while_waiting()
                if self.events and at + (check_every or 0.0) <= until + HOUR:
                    self.schedule(at + (check_every or 0.0), CHECK)

    def make_item(self, call: Call) -> WorkItem:
        return WorkItem(call.conversation_id, call.channel, call.arrived_at, tier=call.tier)

    def on_accept(self, conversation_id: int, agent_id: int) -> None:
        call = self.calls.get(conversation_id)
        if call is None or call.agent_id != agent_id:
            return
        if self.decline_rate and self.decision_rng.random() < self.decline_rate:
            self.release(call)
            call.declined.add(agent_id)
            self.waiting.add(conversation_id)
            self.apply(self.engine.offer_declined(conversation_id, agent_id, self.now))
            return
        if self.engine.offer_accepted(conversation_id, agent_id, self.now):
            self.start_service(call)

    def on_abandon(self, conversation_id: int) -> None:
        call = self.calls.get(conversation_id)
        if call is None or call.answered_at is not None:
            return
        call.abandoned = True
        self.release(call)
        self.waiting.discard(conversation_id)
        del self.calls[conversation_id]
        self.finished.append(call)
        self.apply(self.engine.conversation_withdrawn(conversation_id, self.now))

    def on_shift(self, agent_id: int, starts: bool) -> None:
        book = self.agents[agent_id]
        book.account(self.now)
        book.working = starts
        if starts:
            self.apply(self.engine.shift_started(agent_id, self.now))
            return
        # Work the engine hands back on shift end leaves this agent's book too.
        held = [call for call in self.calls.values() if call.agent_id == agent_id and call.answered_at is None]
        decisions = self.engine.shift_ended(agent_id, self.now)
        for call in held:
            if self.engine.agent_of(call.conversation_id) != agent_id:
                self.release(call)
                self.waiting.add(call.conversation_id)
        self.apply(decisions)

    def check_idle_while_waiting(self) -> None:
        """Count moments where an agent who could take a waiting conversation right now is left idle."""
        self.checks += 1
        if not self.waiting:
            return
        policy = self.engine.policy
        free = [
            (agent_id, book)
            for agent_id, book in self.agents.items()
            if book.working and book.units() < book.capacity.total_units
        ]
        if not free:
            return
        profiles = self.profiles
        for conversation_id in self.waiting:
            call = self.calls[conversation_id]
            item = call.item
            assert item is not None
            ring = current_ring(item, policy, self.now, owner_reachable=self.owner_reachable(item))
            for agent_id, book in free:
                if agent_id in call.declined or not book.capacity.fits(call.channel, book.load):
                    continue
                team_id, skills, languages = profiles[agent_id]
                if item.language is not None and languages and item.language not in languages:
                    continue
                if innermost_ring(agent_id, team_id, skills, item, ring) is not None:
                    self.idle_violations += 1
                    return

    def owner_reachable(self, item: WorkItem) -> bool:
        return any(self.agents[a].working for a in item.preferred_agents() if a in self.agents)


def exponential_source(
    rate_per_second: Callable[[float], float],
    max_rate: float,
    channel: str,
    mean_handling: float,
    mean_patience: float | None,
    tier_shares: Sequence[tuple[Tier, float]],
    first_id: int = 1,
) -> ArrivalSource:
    """Poisson arrivals (thinned for a time-varying rate), exponential handling and patience."""
    next_id = [first_id]

    def draw(rng: random.Random, after: float) -> Call | None:
        moment = after
        while True:
            moment += rng.expovariate(max_rate)
            if rng.random() * max_rate <= rate_per_second(moment):
                break
        tier = pick_tier(rng, tier_shares)
        handling = rng.expovariate(1.0 / mean_handling)
        patience = None if mean_patience is None else rng.expovariate(1.0 / mean_patience)
        call = Call(next_id[0], channel, moment, tier, handling, patience)
        next_id[0] += 1
        return call

    return draw


def pick_tier(rng: random.Random, shares: Sequence[tuple[Tier, float]]) -> Tier:
    draw = rng.random()
    for tier, share in shares:
        if draw < share:
            return tier
        draw -= share
    return shares[-1][0]


def percentile(values: Sequence[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

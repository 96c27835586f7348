"""Discrete-event simulation of a contact centre driven by the real ``RoutingEngine``.

B1 compares one phone pool with the Erlang C and Erlang A formulas, B2 adds value tiers to the same load, B3
runs an omnichannel day with shifts, skills and per-channel capacity against first-come-first-served, strict
priority and least-busy baselines. Every run is seeded: the same command prints the same figures.

The simulation owns the clock and the customers; the engine only sees events and returns decisions, exactly as
the job code drives it. Service and patience times are drawn per call when it arrives, so two policies run on
the same seed see the same customers (common random numbers) and differ only in the decisions the router
makes.
"""

from __future__ import annotations

import heapq
import math
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._report import target
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

    In state n (calls in the system) calls arrive at rate λ and leave at min(n, c)·μ + max(n − c, 0)·θ; the
    chain is truncated where the probabilities underflow. Abandonment is θ·E[queue]/λ; the mean wait of all
    calls, served and abandoned, is E[queue]/λ (Little).
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
        self.spare_unreserved_violations = 0
        self.spare_violations = 0
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
        """Count moments where an agent could take a waiting conversation right now but is left without it.

        Three counts, from the target's letter to the strictest reading: an idle agent (holding nothing); an
        agent with spare capacity who is not making room for an older call; any agent with spare capacity.
        """
        self.checks += 1
        if not self.waiting:
            return
        policy = self.engine.policy
        free = [
            (agent_id, book)
            for agent_id, book in self.agents.items()
            if book.working and book.units() < book.capacity.total_units
        ]
        found = [False, False, False]
        for conversation_id in self.waiting:
            call = self.calls[conversation_id]
            item = call.item
            assert item is not None
            ring = current_ring(item, policy, self.now, owner_reachable=self.owner_reachable(item))
            for agent_id, book in free:
                if agent_id in call.declined or not book.capacity.fits(call.channel, book.load):
                    continue
                team_id, skills, languages = self.profiles[agent_id]
                if item.language is not None and languages and item.language not in languages:
                    continue
                if innermost_ring(agent_id, team_id, skills, item, ring) is None:
                    continue
                found[2] = True
                if self.engine.reserved_for(agent_id) is None:
                    found[1] = True
                if book.units() == 0:
                    found[0] = True
        self.idle_violations += found[0]
        self.spare_unreserved_violations += found[1]
        self.spare_violations += found[2]

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


def ideal_fcfs_waits(calls: Sequence[Call], agents: int) -> list[float | None]:
    """The textbook M/M/c(+M) queue on the very same customers: first come first served, any free agent, a
    customer whose wait would exceed their patience leaves without taking an agent. None marks an
    abandonment."""
    free_at = [0.0] * agents
    waits: list[float | None] = []
    for call in sorted(calls, key=lambda c: c.arrived_at):
        wait = max(0.0, free_at[0] - call.arrived_at)
        if call.patience is not None and wait > call.patience:
            waits.append(None)
            continue
        waits.append(wait)
        heapq.heapreplace(free_at, call.arrived_at + wait + call.handling)
    return waits


def batch_standard_error(calls: Sequence[Call], hours: int, batches: int = 20) -> float:
    size = hours / batches
    sums = [0.0] * batches
    counts = [0] * batches
    for call in calls:
        if call.answered_at is None:
            continue
        batch = min(batches - 1, int(call.arrived_at / HOUR / size))
        sums[batch] += call.answered_at - call.arrived_at
        counts[batch] += 1
    means = [total / count for total, count in zip(sums, counts, strict=True) if count]
    return statistics.stdev(means) / math.sqrt(len(means))


B1_CALLS_PER_HOUR = 600.0
B1_HANDLING = 300.0
B1_AGENTS = 57
B1_PATIENCE = 180.0
B2_SHARES = ((Tier.PLATINUM, 0.05), (Tier.GOLD, 0.15), (Tier.SILVER, 0.30), (Tier.BRONZE, 0.50))
NO_OFFSETS = PriorityOffsets(tier={tier: 0.0 for tier in Tier})


def phone_pool(
    offsets: PriorityOffsets,
    seed: int,
    hours: int,
    patience: float | None,
    rate: Callable[[float], float] | None = None,
) -> list[Call]:
    """One pool of phone-only agents; returns every finished call, the warm-up hour included."""
    engine = RoutingEngine(RouterPolicy(offsets=offsets))
    sim = Simulation(engine, seed)
    phone_only = CapacityProfile(weights={"phone": DEFAULT_CAPACITY.total_units})
    for agent_id in range(B1_AGENTS):
        sim.add_agent(AgentSnapshot(agent_id, capacity=phone_only))
    base = B1_CALLS_PER_HOUR / HOUR
    rate_of = rate or (lambda _: base)
    source = exponential_source(rate_of, base * 1.25, "phone", B1_HANDLING, patience, B2_SHARES)
    sim.run(hours * HOUR, source)
    assert sim.capacity_violations == 0
    return sorted(sim.finished, key=lambda call: call.arrived_at)


def after_warm_up(calls: Sequence[Call], values: Sequence[float | None]) -> list[float | None]:
    return [value for call, value in zip(calls, values, strict=True) if call.arrived_at >= HOUR]


def waits_of(calls: Iterable[Call]) -> list[float]:
    return [call.answered_at - call.arrived_at for call in calls if call.answered_at is not None]


def bench_theory(hours: int, seed: int) -> list[Call]:
    print(
        f"\nB1 theory: one pool, {B1_CALLS_PER_HOUR:.0f} calls/h, {B1_HANDLING:.0f} s handling, "
        f"{B1_AGENTS} agents, {hours} simulated hours after 1 h warm-up"
    )
    rate = B1_CALLS_PER_HOUR / HOUR
    _, formula_wait = erlang_c(rate, B1_HANDLING, B1_AGENTS)
    formula_level = erlang_c_service_level(rate, B1_HANDLING, B1_AGENTS, 20.0)
    formula_abandon, _ = erlang_a(rate, B1_HANDLING, B1_AGENTS, B1_PATIENCE)

    every_call = phone_pool(NO_OFFSETS, seed, hours + 1, None)
    calls = [call for call in every_call if call.arrived_at >= HOUR]
    waits = waits_of(calls)
    ideal = [wait for wait in after_warm_up(every_call, ideal_fcfs_waits(every_call, B1_AGENTS)) if wait is not None]
    sim_wait, ideal_wait = statistics.fmean(waits), statistics.fmean(ideal)
    sim_level = sum(wait <= 20.0 for wait in waits) / len(waits)
    ideal_level = sum(wait <= 20.0 for wait in ideal) / len(ideal)
    error = batch_standard_error(calls, hours)
    print(f"  calls {len(calls)}")
    print(
        f"  mean wait: router {sim_wait:.2f} s (± {error:.2f} s standard error), ideal M/M/c on the same "
        f"customers {ideal_wait:.2f} s, Erlang C {formula_wait:.2f} s"
    )
    print(f"  answered within 20 s: router {sim_level:.2%}, ideal {ideal_level:.2%}, Erlang C {formula_level:.2%}")
    # The router's own effect is its difference from the ideal queue on identical customers; the formula is
    # the ideal queue's expectation. Their sum estimates the router's long-run figure with the sampling noise
    # of a few hundred hours removed (a control variate with known mean). The raw figure is printed beside it
    # with its standard error, so the reader can see the formula lies within the noise.
    wait_estimate = formula_wait + (sim_wait - ideal_wait)
    level_estimate = formula_level + (sim_level - ideal_level)
    print(f"  raw mean wait is {(sim_wait - formula_wait) / error:+.1f} standard errors from Erlang C")
    print(f"  router's long-run estimate: mean wait {wait_estimate:.2f} s, service level {level_estimate:.2%}")

    every_patient = phone_pool(NO_OFFSETS, seed + 1, hours + 1, B1_PATIENCE)
    patient = [call for call in every_patient if call.arrived_at >= HOUR]
    abandoned = sum(call.abandoned for call in patient) / len(patient)
    ideal_patient = after_warm_up(every_patient, ideal_fcfs_waits(every_patient, B1_AGENTS))
    ideal_abandoned = sum(wait is None for wait in ideal_patient) / len(ideal_patient)
    abandon_estimate = formula_abandon + (abandoned - ideal_abandoned)
    print(
        f"  abandonment (mean patience {B1_PATIENCE:.0f} s): router {abandoned:.2%}, "
        f"ideal {ideal_abandoned:.2%}, "
        f"Erlang A {formula_abandon:.2%}; long-run estimate {abandon_estimate:.2%}"
    )
    # The targets judge the raw simulated figures against the formulas; the long-run estimates above are
    # context for how much of any gap is sampling noise.
    target("b1_mean_wait_error", abs(sim_wait / formula_wait - 1.0) * 100, "<=", 5.0, "%", 2)
    target("b1_service_level_error", abs(sim_level - formula_level) * 100, "<=", 1.5, "pt", 2)
    target("b1_abandonment_error", abs(abandoned - formula_abandon) * 100, "<=", 0.3, "pt", 2)
    return calls


def tier_waits(calls: Iterable[Call]) -> dict[Tier, list[float]]:
    by_tier: dict[Tier, list[float]] = {tier: [] for tier in Tier}
    for call in calls:
        if call.answered_at is not None:
            by_tier[call.tier].append(call.answered_at - call.arrived_at)
    return by_tier


def bench_value(hours: int, seed: int, fcfs_calls: Sequence[Call]) -> None:
    offsets = PriorityOffsets()
    print(
        "\nB2 value: the B1 load and customers with tiers 5/15/30/50 %, offsets "
        + ", ".join(f"{tier.name.lower()} {offsets.tier[tier]:.0f} s" for tier in TIERS_TOP_DOWN)
    )
    rate = B1_CALLS_PER_HOUR / HOUR
    _, formula_wait = erlang_c(rate, B1_HANDLING, B1_AGENTS)
    every_call = phone_pool(offsets, seed, hours + 1, None)
    calls = [call for call in every_call if call.arrived_at >= HOUR]
    ideal = [wait for wait in after_warm_up(every_call, ideal_fcfs_waits(every_call, B1_AGENTS)) if wait is not None]
    overall = statistics.fmean(waits_of(calls))
    estimate = formula_wait + (overall - statistics.fmean(ideal))
    valued, fcfs = tier_waits(calls), tier_waits(fcfs_calls)
    print(f"  {'tier':<9}{'calls':>8}{'mean':>9}{'p90':>9}{'fcfs mean':>11}{'fcfs p90':>10}")
    for tier in TIERS_TOP_DOWN:
        print(
            f"  {tier.name.lower():<9}{len(valued[tier]):>8}{statistics.fmean(valued[tier]):>8.2f}s"
            f"{percentile(valued[tier], 0.9):>8.2f}s{statistics.fmean(fcfs[tier]):>10.2f}s"
            f"{percentile(fcfs[tier], 0.9):>9.2f}s"
        )
    print(
        f"  overall mean wait {overall:.2f} s (first come first served on the same customers "
        f"{statistics.fmean(waits_of(fcfs_calls)):.2f} s); long-run estimate {estimate:.2f} s, "
        f"Erlang C {formula_wait:.2f} s"
    )

    overload_hours = max(4, hours // 20)
    span = overload_hours * 10

    def with_overload(moment: float) -> float:
        return rate * (1.2 if int(moment // HOUR) % 10 == 5 else 1.0)

    def in_overload(call: Call) -> bool:
        return int(call.arrived_at // HOUR) % 10 == 5

    plain = [call for call in phone_pool(NO_OFFSETS, seed + 2, span, None, with_overload) if in_overload(call)]
    ranked = [call for call in phone_pool(offsets, seed + 2, span, None, with_overload) if in_overload(call)]
    plain_worst = max(waits_of(plain))
    ranked_by_tier = tier_waits(ranked)
    print(
        f"  +20 % overload, {overload_hours} hours: first come first served worst wait {plain_worst:.1f} s; "
        "with tiers, per tier answered / worst / mean:"
    )
    excess = 0.0
    for tier in TIERS_TOP_DOWN:
        waits = ranked_by_tier[tier]
        offered = sum(call.tier is tier for call in ranked)
        print(f"    {tier.name.lower():<9}{len(waits)}/{offered} {max(waits):.1f} s {statistics.fmean(waits):.1f} s")
        excess = max(excess, max(waits) - plain_worst)
        if len(waits) < offered:
            excess = math.inf
    # Aging bounds how long anyone can be overtaken: nobody should wait longer than the worst first-come wait
    # plus the largest offset difference between tiers.
    bound = max(offsets.tier.values()) - min(offsets.tier.values())
    target("b2_top_tier_mean_wait", statistics.fmean(valued[Tier.PLATINUM]), "<=", 2.0, "s", 2)
    target("b2_top_tier_p90_wait", percentile(valued[Tier.PLATINUM], 0.9), "<=", 6.0, "s", 2)
    print(f"  overall mean wait {overall:.2f} s; long-run estimate {estimate:.2f} s; Erlang C {formula_wait:.2f} s")
    target("b2_overall_mean_wait_error", abs(overall / formula_wait - 1.0) * 100, "<=", 5.0, "%", 2)
    ratio = percentile(valued[Tier.BRONZE], 0.9) / percentile(fcfs[Tier.BRONZE], 0.9)
    target("b2_bottom_tier_p90_vs_fcfs", ratio, "<=", 1.5, "x", 2)
    target("b2_overload_worst_wait_beyond_fcfs", excess, "<=", bound, "s", 1)


# -- B3: an omnichannel day ----------------------------------------------------------------------------------

B3_SHARES = ((Tier.PLATINUM, 0.02), (Tier.GOLD, 0.08), (Tier.SILVER, 0.30), (Tier.BRONZE, 0.60))
# What losing one customer contact costs, relative to bronze; the spread follows the 80/20 rule of thumb.
B3_VALUE = {Tier.PLATINUM: 40.0, Tier.GOLD: 10.0, Tier.SILVER: 3.0, Tier.BRONZE: 1.0}
B3_SHIFTS = ((6, 14), (9, 17), (14, 22))


@dataclass(frozen=True)
class ChannelLoad:
    channel: str
    peak_per_hour: float
    mean_handling: float
    mean_patience: float | None
    billing_share: float


B3_LOADS = (
    ChannelLoad("phone", 900.0, 300.0, 180.0, 0.2),
    ChannelLoad("webchat", 600.0, 600.0, 300.0, 0.0),
    ChannelLoad("email", 1500.0, 240.0, None, 0.2),
    ChannelLoad("sms", 800.0, 120.0, None, 0.0),
    ChannelLoad("fax", 60.0, 300.0, None, 0.2),
)


@dataclass(frozen=True)
class SkillProfile:
    name: str
    agents: int
    channels: tuple[str, ...]
    skills: frozenset[str]


B3_PROFILES = (
    SkillProfile("voice", 90, ("phone", "webchat"), frozenset({"general"})),
    SkillProfile("chat", 60, ("webchat", "sms", "email"), frozenset({"general"})),
    SkillProfile("back_office", 60, ("email", "sms", "fax"), frozenset({"general", "billing"})),
    SkillProfile("billing", 40, ("phone", "email"), frozenset({"general", "billing"})),
)


def day_shape(moment: float) -> float:
    """Contact volume over the day: closed at night, peaks late morning and mid afternoon."""
    hour = moment / HOUR
    if not 6.0 <= hour < 22.0:
        return 0.0
    return 0.35 + 0.65 * max(math.exp(-((hour - 10.5) ** 2) / 4.0), math.exp(-((hour - 15.0) ** 2) / 5.0))


def lognormal(rng: random.Random, mean: float, spread: float = 0.8) -> float:
    return rng.lognormvariate(math.log(mean) - spread * spread / 2.0, spread)


class OmnichannelDay(Simulation):
    def __init__(self, policy: RouterPolicy, seed: int) -> None:
        super().__init__(RoutingEngine(policy), seed, accept_delay=2.0, decline_rate=0.03)
        self.agent_group: dict[int, str] = {}
        self.back_office: list[int] = []
        self.customers = random.Random(seed + 1)

    def staff(self) -> None:
        staffing = random.Random(4242)
        agent_id = 0
        for profile in B3_PROFILES:
            for index in range(profile.agents):
                shift = B3_SHIFTS[index % len(B3_SHIFTS)]
                languages = frozenset({"en", "zh"}) if index % 5 == 0 else frozenset({"en"})
                snapshot = AgentSnapshot(
                    agent_id,
                    team_id=None,
                    skills=profile.skills,
                    languages=languages,
                    capacity=DEFAULT_CAPACITY.only(profile.channels),
                    available_since=-staffing.random(),
                )
                self.add_agent(snapshot, working=False)
                self.agent_group[agent_id] = f"{profile.name}/{shift[0]:02d}-{shift[1]:02d}/{len(languages)}"
                self.schedule(shift[0] * HOUR, SHIFT, agent_id, 1)
                self.schedule(shift[1] * HOUR, SHIFT, agent_id, 0)
                if profile.name == "back_office":
                    self.back_office.append(agent_id)
                agent_id += 1

    def source(self) -> ArrivalSource:
        total_peak = sum(load.peak_per_hour for load in B3_LOADS) / HOUR
        next_id = [1]

        def draw(rng: random.Random, after: float) -> Call | None:
            moment = after
            while True:
                moment += rng.expovariate(total_peak)
                if moment > 24 * HOUR:
                    return None
                if rng.random() <= day_shape(moment):
                    break
            pick = rng.random() * total_peak * HOUR
            load = B3_LOADS[-1]
            for candidate in B3_LOADS:
                if pick < candidate.peak_per_hour:
                    load = candidate
                    break
                pick -= candidate.peak_per_hour
            tier = pick_tier(rng, B3_SHARES)
            patience = None if load.mean_patience is None else rng.expovariate(1.0 / load.mean_patience)
            call = Call(
                next_id[0],
                load.channel,
                moment,
                tier,
                lognormal(rng, load.mean_handling),
                patience,
                B3_VALUE[tier],
            )
            next_id[0] += 1
            return call

        return draw

    def make_item(self, call: Call) -> WorkItem:
        rng = self.customers
        billing = rng.random() < next(load.billing_share for load in B3_LOADS if load.channel == call.channel)
        language = "zh" if rng.random() < 0.1 else "en"
        owner = None
        if call.channel == "email" and rng.random() < 0.1:
            owner = self.back_office[rng.randrange(len(self.back_office))]
        return WorkItem(
            call.conversation_id,
            call.channel,
            call.arrived_at,
            tier=call.tier,
            owner_agent_id=owner,
            required_skills=frozenset({"billing"}) if billing else frozenset({"general"}),
            language=language,
        )


def gini(values: Sequence[float]) -> float:
    ordered = sorted(values)
    count, total = len(ordered), sum(ordered)
    if count < 2 or total == 0:
        return 0.0
    weighted = sum((2 * rank - count + 1) * value for rank, value in enumerate(ordered))
    return weighted / (count * total)


@dataclass
class DayResult:
    name: str
    value_abandonment: float
    abandonment: float
    waits: dict[str, float]
    capacity_violations: int
    idle_violations: int
    spare_unreserved_violations: int
    spare_violations: int
    checks: int
    worst_gini: float
    worst_group: str
    tier_abandonment: dict[Tier, float]
    decisions: int
    seconds: float


def run_day(name: str, policy: RouterPolicy, seed: int) -> DayResult:
    started = time.perf_counter()
    day = OmnichannelDay(policy, seed)
    day.staff()
    day.run(24 * HOUR, day.source(), check_every=10.0)
    for book in day.agents.values():
        book.account(24 * HOUR)
    calls = day.finished + list(day.calls.values())
    impatient = [call for call in calls if call.patience is not None]
    lost = sum(call.value_weight for call in impatient if call.abandoned)
    worth = sum(call.value_weight for call in impatient)
    waits: dict[str, float] = {}
    for load in B3_LOADS:
        answered = waits_of(call for call in calls if call.channel == load.channel)
        waits[load.channel] = statistics.fmean(answered) if answered else 0.0
    groups: dict[str, list[float]] = {}
    for agent_id, book in day.agents.items():
        if book.working_seconds > 0:
            groups.setdefault(day.agent_group[agent_id], []).append(book.busy_unit_seconds / book.working_seconds)
    worst_group, worst_gini = max(((group, gini(values)) for group, values in groups.items()), key=lambda p: p[1])
    return DayResult(
        name,
        lost / worth,
        sum(call.abandoned for call in impatient) / len(impatient),
        waits,
        day.capacity_violations,
        day.idle_violations,
        day.spare_unreserved_violations,
        day.spare_violations,
        day.checks,
        worst_gini,
        worst_group,
        {
            tier: sum(c.abandoned for c in impatient if c.tier is tier) / max(1, sum(c.tier is tier for c in impatient))
            for tier in Tier
        },
        day.decisions,
        time.perf_counter() - started,
    )


def bench_day(seed: int) -> None:
    staff = sum(profile.agents for profile in B3_PROFILES)
    print(
        f"\nB3 omnichannel day: {staff} agents in {len(B3_PROFILES)} skill profiles "
        f"and {len(B3_SHIFTS)} shifts, "
        "tiers 2/8/30/60 %, lognormal handling, offers accepted in 2 s, 3 % declined\n"
        "  router: aging priority, blended agents spared for calls, least busy among equals;\n"
        "  baselines and context rows (in brackets) on the same customers and staffing"
    )
    strict = PriorityOffsets(
        tier={Tier.PLATINUM: 3e6, Tier.GOLD: 2e6, Tier.SILVER: 1e6, Tier.BRONZE: 0.0}, max_total=3e6
    )
    # The baselines pick agents as a plain queue would, by the strategy alone. The router is configured for a
    # blended centre: aging priority, blended agents spared for calls, and least busy among equals, which for
    # agents holding several conversations at once is what evens out occupancy (longest idle hands each agent
    # the same number of conversations, however long the ones they already hold turn out to be; its row below
    # shows the difference). The two context rows split the router's gain between queue order and selection.
    least_busy = SelectionStrategy.LEAST_BUSY
    policies = (
        ("fcfs_longest_idle", RouterPolicy(offsets=NO_OFFSETS, spare_blended_agents=False)),
        ("strict_priority", RouterPolicy(offsets=strict, spare_blended_agents=False)),
        ("fcfs_least_busy", RouterPolicy(offsets=NO_OFFSETS, strategy=least_busy, spare_blended_agents=False)),
        ("value_aging", RouterPolicy(strategy=least_busy)),
        ("(aging, longest idle)", RouterPolicy()),
        ("(fcfs, router's pick)", RouterPolicy(offsets=NO_OFFSETS, strategy=least_busy)),
    )
    results = {name: run_day(name, policy, seed) for name, policy in policies}
    channels = [load.channel for load in B3_LOADS]
    print(
        f"  {'policy':<23}{'value-lost':>11}{'abandoned':>10}"
        + "".join(f"{c:>9}" for c in channels)
        + f"{'cap.viol':>9}{'idle':>6}{'spare':>7}{'spare*':>7}{'gini':>7}"
    )
    for result in results.values():
        print(
            f"  {result.name:<23}{result.value_abandonment:>10.2%}{result.abandonment:>10.2%}"
            + "".join(f"{result.waits[c]:>8.1f}s" for c in channels)
            + f"{result.capacity_violations:>9}{result.idle_violations:>6}"
            + f"{result.spare_unreserved_violations:>7}{result.spare_violations:>7}{result.worst_gini:>7.3f}"
            + f"  ({result.decisions} decisions, {result.seconds:.1f} s)"
        )
    router, fcfs = results["value_aging"], results["fcfs_longest_idle"]
    print("  abandonment of calls and chats by tier (" + ", ".join(tier.name.lower() for tier in TIERS_TOP_DOWN) + "):")
    for result in results.values():
        print(f"  {result.name:<23}" + "".join(f"{result.tier_abandonment[t]:>9.2%}" for t in TIERS_TOP_DOWN))
    print(
        "  idle: moments an agent holding nothing is left idle while a conversation they may take waits;\n"
        "  spare: the same for an agent with room to spare who is not making room for an older call;\n"
        "  spare*: any agent with room to spare, making room or not\n"
        f"  checks every 10 simulated seconds: {router.checks}; "
        f"widest occupancy spread in {router.worst_group}"
    )
    reduction = (1.0 - router.value_abandonment / fcfs.value_abandonment) * 100 if fcfs.value_abandonment else 0.0
    target("b3_value_abandonment_reduction", reduction, ">=", 50.0, "%", 1)
    target(
        "b3_capacity_violations",
        float(sum(r.capacity_violations for r in results.values())),
        "<=",
        0.0,
        "",
        0,
    )
    target("b3_idle_while_eligible_waits", float(router.idle_violations), "<=", 0.0, "", 0)
    target("b3_occupancy_gini_within_profile", router.worst_gini, "<=", 0.03, "", 3)


def main(argv: Sequence[str]) -> None:
    # ROUTER_SIM_HOURS (or the first argument) shortens B1 and B2 for a quick check; B3 is always one day.
    hours = int(argv[1]) if len(argv) > 1 else int(os.environ.get("ROUTER_SIM_HOURS", "400"))
    seed = 20_240_601
    started = time.perf_counter()
    fcfs_calls = bench_theory(hours, seed)
    bench_value(hours, seed, fcfs_calls)
    bench_day(seed)
    print(f"\nelapsed {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main(sys.argv)

"""B4: the routing engine at scale, in memory: 10,000 agents and 1,000,000 waiting conversations.

Every agent is busy and the queue is full, which is when decisions are hardest: each resolved conversation
frees capacity and the engine must find, among a million, the next one this agent may take. We time the event
call that makes the decision (resolve → drain → assign), its percentiles, the sustained rate, and the
process's memory. A full scan per decision, the baseline the indexes replace, is timed on a sample for
comparison.
"""

from __future__ import annotations

import gc
import random
import resource
import statistics
import sys
import time
from collections.abc import Sequence
from typing import TypeVar

from _report import target

from router import AgentSnapshot, Presence, RoutingEngine, Tier, WorkItem, decide
from router.priority import Boosts

AGENTS = 10_000
WAITING = 1_000_000
SKILLS = tuple(f"skill_{index}" for index in range(10))
CHANNEL_MIX = (("email", 0.55), ("sms", 0.2), ("webchat", 0.12), ("phone", 0.08), ("fax", 0.05))
TIER_MIX = ((Tier.PLATINUM, 0.05), (Tier.GOLD, 0.15), (Tier.SILVER, 0.30), (Tier.BRONZE, 0.50))


T = TypeVar("T")


def pick(rng: random.Random, mix: Sequence[tuple[T, float]]) -> T:
    draw = rng.random()
    for value, share in mix:
        if draw < share:
            return value
        draw -= share
    return mix[-1][0]


def peak_memory_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def make_agents(rng: random.Random) -> list[AgentSnapshot]:
    agents = []
    for agent_id in range(AGENTS):
        skills = frozenset(rng.sample(SKILLS, 3))
        languages = frozenset({"en", "zh"}) if rng.random() < 0.2 else frozenset({"en"})
        agents.append(
            AgentSnapshot(
                agent_id,
                presence=Presence.OFFLINE,
                team_id=agent_id // 20,
                skills=skills,
                languages=languages,
                available_since=rng.random(),
            )
        )
    return agents


# A loader builds these from a handful of distinct values; sharing them, as it would, keeps a million items
# small.
SKILL_SETS = tuple(frozenset({skill}) for skill in SKILLS)
COMPLAINT, NO_COMPLAINT = Boosts(open_complaint=True), Boosts()


def make_item(rng: random.Random, conversation_id: int, now: float) -> WorkItem:
    tier = pick(rng, TIER_MIX)
    return WorkItem(
        conversation_id,
        pick(rng, CHANNEL_MIX),
        now,
        tier=tier,
        boosts=COMPLAINT if rng.random() < 0.05 else NO_COMPLAINT,
        owner_agent_id=rng.randrange(AGENTS) if rng.random() < 0.05 else None,
        required_skills=SKILL_SETS[rng.randrange(len(SKILLS))],
        language="zh" if rng.random() < 0.1 else "en",
    )


def main(argv: Sequence[str]) -> None:
    measured_events = int(argv[1]) if len(argv) > 1 else 100_000
    rng = random.Random(20_240_601)
    baseline_memory = peak_memory_mb()
    engine = RoutingEngine()
    now = 1_000_000.0
    agents = make_agents(rng)
    started = time.perf_counter()
    for snapshot in agents:
        engine.upsert_agent(snapshot, now)
    next_id = 1
    total = WAITING + AGENTS * 10
    # Loaded oldest first, as a start-up rebuild reads them from the store.
    for index in range(total):
        engine.conversation_arrived(make_item(rng, next_id, now - 600.0 + 600.0 * index / total), now)
        next_id += 1
    held: list[int] = []
    for snapshot in agents:
        for decision in engine.set_presence(snapshot.agent_id, Presence.ONLINE, now):
            if decision.offer:
                engine.offer_accepted(decision.conversation_id, snapshot.agent_id, now)
            held.append(decision.conversation_id)
    waiting = total - len(held)
    print(
        f"B4 scale: {AGENTS} agents, {total} conversations loaded in {time.perf_counter() - started:.0f} s; "
        f"{len(held)} held by agents, {waiting} waiting"
    )

    gc.collect()
    gc.freeze()  # the loaded state is long-lived; keep the collector from rescanning it on every pause
    latencies: list[float] = []
    decisions = 0
    busy_seconds = 0.0
    for _ in range(measured_events):
        now += 0.001
        slot = rng.randrange(len(held))
        conversation_id = held[slot]
        tick = time.perf_counter()
        made = engine.conversation_resolved(conversation_id, now)
        elapsed = time.perf_counter() - tick
        latencies.append(elapsed)
        busy_seconds += elapsed
        decisions += len(made)
        held[slot] = held[-1]
        held.pop()
        for decision in made:
            if decision.offer:
                engine.offer_accepted(decision.conversation_id, decision.agent_id or 0, now)
            held.append(decision.conversation_id)
        # Keep the queue at its size: a new conversation for every one that left it.
        tick = time.perf_counter()
        engine.conversation_arrived(make_item(rng, next_id, now), now)
        busy_seconds += time.perf_counter() - tick
        next_id += 1
    latencies.sort()
    p50 = latencies[len(latencies) // 2] * 1000
    p99 = latencies[int(len(latencies) * 0.99)] * 1000
    rate = decisions / busy_seconds
    memory = peak_memory_mb()
    print(
        f"  {measured_events} resolve events, {decisions} decisions: p50 {p50:.3f} ms, p99 {p99:.3f} ms, "
        f"max {latencies[-1] * 1000:.3f} ms; {rate:,.0f} decisions/s (arrivals included in the time)"
    )
    print(
        f"  peak resident memory {memory:.0f} MB (interpreter and benchmark data included; "
        f"{baseline_memory:.0f} MB before loading)"
    )

    sample_agents = [
        AgentSnapshot(
            s.agent_id,
            team_id=s.team_id,
            skills=s.skills,
            languages=s.languages,
            load=engine.load_of(s.agent_id),
            available_since=s.available_since,
        )
        for s in agents
    ]
    scans = []
    for _ in range(20):
        item = make_item(rng, next_id, now)
        tick = time.perf_counter()
        decide(item, sample_agents, now)
        scans.append(time.perf_counter() - tick)
    print(
        f"  baseline: one decision by a full scan of {AGENTS} agents (reference ``decide``): "
        f"{statistics.median(scans) * 1000:.1f} ms median, before even looking at the queue"
    )
    target("b4_decision_p99", p99, "<=", 1.0, "ms", 3)
    target("b4_decisions_per_second", rate, ">=", 20_000.0, "/s", 0)
    target("b4_memory", memory, "<=", 1024.0, "MB", 0)


if __name__ == "__main__":
    main(sys.argv)

"""Routing policy: the knobs, and the widening rings that decide who may take a conversation as it waits."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, StrEnum

from router.priority import PriorityOffsets
from router.snapshots import AgentSnapshot, WorkItem


class SelectionStrategy(StrEnum):
    LONGEST_IDLE = "longest_idle"
    LEAST_BUSY = "least_busy"
    MOST_AVAILABLE = "most_available"


class Ring(IntEnum):
    """Who may take a conversation, narrowest first. Rings are cumulative: the team ring still admits the
    owner, the skill ring still admits the team. Required skills apply from the skill ring on; the team knows
    the account and is trusted with it regardless."""

    OWNER = 0
    TEAM = 1
    SKILL = 2
    EVERYONE = 3

    @property
    def label(self) -> str:
        return self.name.lower()


def _synchronous_channels() -> frozenset[str]:
    return frozenset({"phone", "webchat", "chat"})


@dataclass(frozen=True, slots=True)
class RouterPolicy:
    """Defaults suit a mixed centre. Ring times count from arrival: the owner (or last agent) is waited for
    up to ``owner_preference_seconds``, the team up to ``team_preference_seconds``, agents with the required
    skills up to ``skill_preference_seconds``; after that anyone who handles the channel and language may take
    it. ``None`` holds a ring for ever (never relax skills, for instance)."""

    strategy: SelectionStrategy = SelectionStrategy.LONGEST_IDLE
    offsets: PriorityOffsets = field(default_factory=PriorityOffsets)
    synchronous_channels: frozenset[str] = field(default_factory=_synchronous_channels)
    offer_timeout_seconds: float = 20.0
    heartbeat_timeout_seconds: float = 60.0
    owner_preference_seconds: float | None = 120.0
    team_preference_seconds: float | None = 300.0
    skill_preference_seconds: float | None = 900.0
    # A blended agent freeing capacity takes nothing newer while an older call or chat they could take waits
    # for room (see ``RoutingEngine._reserve``). Off by default: in a centre with idle agents now and then it
    # buys little and costs throughput at scale; switch it on where calls starve behind blended work.
    reserve_for_synchronous: bool = False
    # One agent making room is enough to serve the call; more would leave capacity unused for no gain.
    reservations_per_conversation: int = 1
    # Among agents who could take a conversation now, prefer those whose capacity no heavier channel needs: a
    # chat goes to a chat agent before a voice agent, an email to the back office before a phone agent. Only
    # an agent holding nothing can take a call, so blended agents are the scarce resource; handing them light
    # work that others could do leaves calls waiting. Applied before the strategy, which still orders equals.
    spare_blended_agents: bool = True
    explain: bool = True

    def is_synchronous(self, channel: str) -> bool:
        return channel in self.synchronous_channels


def ring_schedule(item: WorkItem, policy: RouterPolicy, owner_reachable: bool) -> list[tuple[Ring, float]]:
    """The rings the item passes through and the moment each one opens.

    The owner ring is skipped when there is nobody to wait for (no owner, or the owner cannot be reached:
    offline or off shift), and the team ring when the item names no team; waiting for someone absent only adds
    delay.
    """
    rings: list[tuple[Ring, float]] = []
    opens_at = item.arrived_at
    limits = (
        (Ring.OWNER, bool(item.preferred_agents()) and owner_reachable, policy.owner_preference_seconds),
        (Ring.TEAM, item.team_id is not None, policy.team_preference_seconds),
        (Ring.SKILL, True, policy.skill_preference_seconds),
    )
    for ring, applies, limit in limits:
        if not applies:
            continue
        rings.append((ring, opens_at))
        if limit is None:
            return rings
        opens_at = max(opens_at, item.arrived_at + limit)
    rings.append((Ring.EVERYONE, opens_at))
    return rings


def current_ring(item: WorkItem, policy: RouterPolicy, now: float, owner_reachable: bool) -> Ring:
    schedule = ring_schedule(item, policy, owner_reachable)
    ring = schedule[0][0]
    for candidate, opens_at in schedule:
        if opens_at <= now:
            ring = candidate
        else:
            break
    return ring


def innermost_ring(
    agent_id: int, team_id: int | None, skills: frozenset[str], item: WorkItem, widest: Ring
) -> Ring | None:
    """The narrowest ring, up to ``widest``, through which this agent may take the item; None if none
    admits."""
    if agent_id in item.preferred_agents():
        return Ring.OWNER
    if widest >= Ring.TEAM and item.team_id is not None and team_id == item.team_id:
        return Ring.TEAM
    if widest >= Ring.SKILL and item.required_skills <= skills:
        return Ring.SKILL
    if widest >= Ring.EVERYONE:
        return Ring.EVERYONE
    return None


def admitting_ring(agent: AgentSnapshot, item: WorkItem, widest: Ring) -> Ring | None:
    return innermost_ring(agent.agent_id, agent.team_id, agent.skills, item, widest)

"""The engine's mutable records of agents and conversations, kept apart from the frozen snapshots it is
fed."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from router.availability import Presence, WeeklyWindow
from router.capacity import CapacityProfile
from router.explain import Filter
from router.policy import Ring
from router.pools import Pool
from router.snapshots import AgentSnapshot, WorkItem


class ConversationStatus(StrEnum):
    WAITING = "waiting"
    OFFERED = "offered"
    ASSIGNED = "assigned"  # given to an agent who has not started on it: re-routed if they leave
    STARTED = "started"


@dataclass(slots=True, eq=False)
class LiveConversation:
    item: WorkItem
    key: float
    sequence: int
    lane: float  # the offset the key was given: conversations sharing it queue in one first-in-first-out lane
    status: ConversationStatus = ConversationStatus.WAITING
    agent_id: int | None = None
    ring: Ring = Ring.SKILL
    generation: int = 0
    # Kept apart from the frozen item so that a refusal costs no copy; None until someone declines.
    declined: set[int] | None = None

    def declined_by(self, agent_id: int) -> bool:
        return self.declined is not None and agent_id in self.declined


@dataclass(slots=True, eq=False)
class LiveAgent:
    agent_id: int
    team_id: int | None
    skills: frozenset[str]
    languages: frozenset[str]
    capacity: CapacityProfile
    presence: Presence
    shifts: tuple[WeeklyWindow, ...]
    breaks: tuple[WeeklyWindow, ...]
    on_shift: bool = True
    on_break: bool = False
    last_heartbeat: float | None = None
    heartbeat_lost: bool = False
    load: dict[str, int] = field(default_factory=dict)
    units_used: int = 0
    available_since: float = 0.0
    version: int = 0
    # Pools grouped by channel, so that a channel the agent has no room for is skipped in one test.
    pools: dict[str, list[Pool]] = field(default_factory=dict)
    # The lightest channel the agent has pools for: below this much free capacity nothing can be taken.
    smallest_weight: int = 0
    # The heaviest channel the agent handles when the policy spares blended agents, else 0.
    spare: int = 0
    held: set[int] = field(default_factory=set)
    # The older conversation this agent is making room for, taking nothing newer meanwhile.
    reserved_for: int | None = None
    # Cached because every heap look-up asks; ``update_accepting`` must follow any change to its inputs.
    accepting: bool = False

    @property
    def channels(self) -> frozenset[str]:
        return frozenset(self.capacity.weights)

    def update_accepting(self) -> None:
        self.accepting = (
            self.presence is Presence.ONLINE
            and not self.heartbeat_lost
            and self.on_shift
            and not self.on_break
            and self.reserved_for is None
        )

    @property
    def reachable(self) -> bool:
        """Worth waiting for as an owner: present and on shift, even if busy for now."""
        return self.presence is not Presence.OFFLINE and self.on_shift

    def can_take(self, channel: str) -> bool:
        if not self.accepting:
            return False
        weight = self.capacity.weights.get(channel)
        if weight is None or self.units_used + weight > self.capacity.total_units:
            return False
        limit = self.capacity.limits.get(channel)
        return limit is None or self.load.get(channel, 0) < limit

    def hold(self, channel: str, conversation_id: int, now: float) -> None:
        self.load[channel] = self.load.get(channel, 0) + 1
        self.units_used += self.capacity.weights.get(channel, 0)
        self.held.add(conversation_id)
        self.available_since = now

    def release(self, channel: str, conversation_id: int, now: float) -> None:
        if conversation_id not in self.held:
            return
        self.held.discard(conversation_id)
        self.load[channel] -= 1
        self.units_used -= self.capacity.weights.get(channel, 0)
        self.available_since = now

    def holding_reason(self) -> str | None:
        """Why an agent who is otherwise present takes no new work, in the explanation's words."""
        if not self.on_shift:
            return Filter.OFF_SHIFT
        if self.on_break:
            return Filter.ON_BREAK
        if self.reserved_for is not None:
            return Filter.RESERVED
        return None

    def snapshot(self) -> AgentSnapshot:
        """The agent as ``decide`` sees them. Being off shift reads as offline (nobody waits for them); a break
        or a reservation as busy (still present, taking nothing new); a silent client as away."""
        presence = self.presence
        if presence is Presence.ONLINE:
            if not self.on_shift:
                presence = Presence.OFFLINE
            elif self.on_break or self.reserved_for is not None:
                presence = Presence.BUSY
            elif self.heartbeat_lost:
                presence = Presence.AWAY
        return AgentSnapshot(
            agent_id=self.agent_id,
            presence=presence,
            last_heartbeat=None,
            shifts=(),
            breaks=(),
            team_id=self.team_id,
            skills=self.skills,
            languages=self.languages,
            capacity=self.capacity,
            load=dict(self.load),
            available_since=self.available_since,
        )

"""Pools: one per group of interchangeable agents for one channel and language, each holding two heaps.

``waiting`` orders conversations by priority key (see ``router.lanes``); ``ready`` orders agents who could
take one more conversation of the pool's channel by the selection strategy. Both delete lazily: an entry
carries the generation (for a conversation) or version (for an agent) it was pushed with, and a mismatch when
it reaches the top means it is stale and is dropped. That keeps every event at O(log n) instead of a search
through the heap.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple

from router.lanes import LaneQueue

if TYPE_CHECKING:
    from router.live import LiveConversation

# (spare rank, strategy rank, strategy tie-break, agent id, version)
ReadyEntry = tuple[int, float, float, int, int]


class PoolKind(StrEnum):
    OWNER = "owner"
    TEAM = "team"
    SKILL = "skill"
    ALL = "all"


class PoolKey(NamedTuple):
    """A tuple, because pool keys are hashed on every event and tuples hash fastest. ``group`` is the owner's
    agent id, the team id, the required skill set, or None for everyone."""

    kind: PoolKind
    channel: str
    language: str | None
    group: int | frozenset[str] | None

    def admits(
        self,
        agent_id: int,
        team_id: int | None,
        skills: frozenset[str],
        languages: frozenset[str],
        channels: Collection[str],
    ) -> bool:
        if self.channel not in channels:
            return False
        if self.language is not None and languages and self.language not in languages:
            return False
        if self.kind is PoolKind.OWNER:
            return self.group == agent_id
        if self.kind is PoolKind.TEAM:
            return self.group == team_id
        if self.kind is PoolKind.SKILL:
            return isinstance(self.group, frozenset) and self.group <= skills
        return True


@dataclass(slots=True, eq=False)
class Pool:
    key: PoolKey
    eligible: set[int] = field(default_factory=set)
    waiting: LaneQueue[LiveConversation] = field(default_factory=LaneQueue)
    ready: list[ReadyEntry] = field(default_factory=list)
    # Every agent state change pushes a fresh entry; without a bound, heaps of agents that are rarely at the
    # top would grow with the number of events rather than the number of agents. Rebuilt at each compaction.
    ready_limit: int = 64

    def push_ready(self, entry: ReadyEntry) -> None:
        heapq.heappush(self.ready, entry)

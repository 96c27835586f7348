"""A priority queue for aging keys: one first-in-first-out lane per offset, plus a small heap for latecomers.

A conversation's key is its arrival time minus an offset drawn from a short list (one per tier and boost
combination). Conversations with the same offset arrive in key order, so each lane is already sorted and a
plain deque serves it: push and pop are O(1) and touch only the ends, where a binary heap of a million entries
would chase pointers through memory on every pop. The queue's head is the smallest lane head, cached. Entries
that come back out of order (a declined offer, work handed back by an agent who left) go to the ``late`` heap
instead.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")

# (priority key, tie-break sequence, generation, payload). The engine's payload is the conversation itself
# rather than its id: checking whether a pool's head is still current then reads one object instead of first
# looking the id up in a dictionary of a million. A re-queued conversation keeps its key and sequence but gets a
# new generation, so comparisons are always settled before they reach the payload, which need not be ordered.
Entry = tuple[float, int, int, T]


class LaneQueue(Generic[T]):
    __slots__ = ("_lanes", "_late", "_tops", "head")

    def __init__(self) -> None:
        self._lanes: dict[float, deque[Entry[T]]] = {}
        self._late: list[Entry[T]] = []
        # The first entry of every non-empty lane with its lane's id, as a heap: popping the head then looks at
        # one new entry instead of every lane's.
        self._tops: list[tuple[Entry[T], float]] = []
        # Read directly rather than through a method: it is looked at for every pool an agent belongs to.
        self.head: Entry[T] | None = None

    def __bool__(self) -> bool:
        return self.head is not None

    def __len__(self) -> int:
        return sum(len(lane) for lane in self._lanes.values()) + len(self._late)

    def __iter__(self) -> Iterator[Entry[T]]:
        for lane in self._lanes.values():
            yield from lane
        yield from self._late

    def push(self, entry: Entry[T], lane_id: float) -> None:
        lane = self._lanes.get(lane_id)
        if lane is None:
            lane = self._lanes[lane_id] = deque()
        if not lane:
            lane.append(entry)
            heapq.heappush(self._tops, (entry, lane_id))
        elif entry < lane[-1]:
            heapq.heappush(self._late, entry)
        else:
            lane.append(entry)
        if self.head is None or entry < self.head:
            self.head = entry

    def pop(self) -> Entry[T]:
        head = self.head
        if head is None:
            raise IndexError("pop from an empty queue")
        tops = self._tops
        if tops and tops[0][0] is head:
            lane_id = tops[0][1]
            lane = self._lanes[lane_id]
            lane.popleft()
            if lane:
                heapq.heapreplace(tops, (lane[0], lane_id))
            else:
                heapq.heappop(tops)
                del self._lanes[lane_id]
        else:
            heapq.heappop(self._late)
        late = self._late
        if tops and (not late or tops[0][0] < late[0]):
            self.head = tops[0][0]
        else:
            self.head = late[0] if late else None
        return head

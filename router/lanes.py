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

# (priority key, tie-break sequence, conversation id, generation)
WaitingEntry = tuple[float, int, int, int]


class LaneQueue:
    __slots__ = ("_head_lane", "_lanes", "_late", "head")

    def __init__(self) -> None:
        self._lanes: dict[float, deque[WaitingEntry]] = {}
        self._late: list[WaitingEntry] = []
        # Read directly rather than through a method: it is looked at for every pool an agent belongs to.
        self.head: WaitingEntry | None = None
        self._head_lane: deque[WaitingEntry] | None = None  # None while the head is in ``_late``

    def __bool__(self) -> bool:
        return self.head is not None

    def __len__(self) -> int:
        return sum(len(lane) for lane in self._lanes.values()) + len(self._late)

    def __iter__(self) -> Iterator[WaitingEntry]:
        for lane in self._lanes.values():
            yield from lane
        yield from self._late

    def push(self, entry: WaitingEntry, lane_id: float) -> None:
        lane = self._lanes.get(lane_id)
        if lane is None:
            lane = self._lanes[lane_id] = deque()
        if lane and entry < lane[-1]:
            heapq.heappush(self._late, entry)
            if self.head is None or entry < self.head:
                self.head, self._head_lane = entry, None
            return
        lane.append(entry)
        if self.head is None or entry < self.head:
            self.head, self._head_lane = entry, lane

    def pop(self) -> WaitingEntry:
        head = self.head
        if head is None:
            raise IndexError("pop from an empty queue")
        if self._head_lane is None:
            heapq.heappop(self._late)
        else:
            self._head_lane.popleft()
        self._find_head()
        return head

    def _find_head(self) -> None:
        best: WaitingEntry | None = self._late[0] if self._late else None
        best_lane: deque[WaitingEntry] | None = None
        emptied: list[float] = []
        for lane_id, lane in self._lanes.items():
            if not lane:
                emptied.append(lane_id)
                continue
            if best is None or lane[0] < best:
                best, best_lane = lane[0], lane
        for lane_id in emptied:
            del self._lanes[lane_id]
        self.head, self._head_lane = best, best_lane

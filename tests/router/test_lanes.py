from __future__ import annotations

import random

import pytest

from router.lanes import Entry, LaneQueue


def entry(key: float, sequence: int) -> Entry[int]:
    return (key, sequence, sequence, 1)


def test_pops_in_key_order_across_lanes() -> None:
    queue: LaneQueue[int] = LaneQueue()
    queue.push(entry(100.0, 1), 0.0)
    queue.push(entry(-20.0, 2), 120.0)  # platinum arriving at 100 with a 120 s offset
    queue.push(entry(101.0, 3), 0.0)
    queue.push(entry(10.0, 4), 120.0)
    assert [queue.pop()[1] for _ in range(4)] == [2, 4, 1, 3]
    assert not queue
    assert queue.head is None


def test_out_of_order_entries_still_come_out_in_order() -> None:
    queue: LaneQueue[int] = LaneQueue()
    rng = random.Random(3)
    keys = [rng.uniform(0, 1000) for _ in range(500)]
    for sequence, key in enumerate(keys):
        queue.push(entry(key, sequence), float(sequence % 3))
    assert len(queue) == 500
    popped = [queue.pop()[0] for _ in range(500)]
    assert popped == sorted(keys)


def test_head_is_the_smallest_and_iteration_sees_all() -> None:
    queue: LaneQueue[int] = LaneQueue()
    queue.push(entry(5.0, 1), 0.0)
    queue.push(entry(3.0, 2), 0.0)  # late: behind the lane's tail
    assert queue.head == entry(3.0, 2)
    assert sorted(queue) == [entry(3.0, 2), entry(5.0, 1)]


def test_pop_from_empty_queue_raises() -> None:
    with pytest.raises(IndexError):
        LaneQueue().pop()


def test_a_requeued_payload_is_never_compared() -> None:
    class Unordered:
        pass

    payload = Unordered()
    queue: LaneQueue[Unordered] = LaneQueue()
    queue.push((5.0, 1, 1, payload), 0.0)
    queue.push((6.0, 2, 2, Unordered()), 0.0)
    # The same conversation back in the queue with its key and sequence, under a new generation.
    queue.push((5.0, 1, 3, payload), 0.0)
    assert [queue.pop()[2] for _ in range(3)] == [1, 3, 2]

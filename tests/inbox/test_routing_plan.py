from __future__ import annotations

from inbox.routing_plan import plan_routing
from router import AgentSnapshot, CapacityProfile, Presence, RouterPolicy, Tier, WorkItem, decide

NOW = 1_800_000_000.0


def _agents() -> list[AgentSnapshot]:
    return [
        AgentSnapshot(1, available_since=NOW - 300, capacity=CapacityProfile(limits={"email": 2})),
        AgentSnapshot(2, available_since=NOW - 200, capacity=CapacityProfile(limits={"email": 1})),
        AgentSnapshot(3, presence=Presence.OFFLINE, available_since=NOW - 900),
    ]


def _emails(count: int) -> list[WorkItem]:
    return [WorkItem(100 + number, "email", NOW - 60 + number) for number in range(count)]


def test_a_batch_is_shared_out_as_one_decision_after_another_would_share_it() -> None:
    proposals = plan_routing(_emails(4), _agents(), NOW, RouterPolicy())
    # Longest idle first; taking work restarts the clock, so the next goes to the other agent.
    assert [p.agent_id for p in proposals] == [1, 2, 1, None]
    assert [p.conversation_id for p in proposals] == [100, 101, 102, 103]


def test_each_placement_counts_against_the_agent_before_the_next_decision() -> None:
    proposals = plan_routing(_emails(4), _agents(), NOW, RouterPolicy())
    waiting = proposals[-1].explanation["explanation"]
    verdicts = {v["agent_id"]: v for v in waiting["verdicts"]}
    assert waiting["reason"] == "no eligible agent with free capacity"
    assert verdicts[1]["removed_by"] == "capacity" and verdicts[2]["removed_by"] == "capacity"
    assert verdicts[3]["removed_by"] == "presence"


def test_every_decision_explains_every_agent_as_the_one_shot_router_does() -> None:
    agents = _agents()
    item = _emails(1)[0]
    (proposal,) = plan_routing([item], agents, NOW, RouterPolicy())
    assert proposal.explanation == decide(item, agents, NOW, RouterPolicy()).to_dict()
    assert {v["agent_id"] for v in proposal.explanation["explanation"]["verdicts"]} == {1, 2, 3}
    assert proposal.capacity == agents[0].capacity


def test_the_order_given_is_the_order_served() -> None:
    gold = WorkItem(200, "email", NOW - 10, tier=Tier.GOLD)
    bronze = WorkItem(201, "email", NOW - 50)
    only = [AgentSnapshot(1, capacity=CapacityProfile(limits={"email": 1}))]
    proposals = plan_routing([gold, bronze], only, NOW, RouterPolicy())
    assert [(p.conversation_id, p.agent_id) for p in proposals] == [(200, 1), (201, None)]
    assert proposals[1].capacity is None

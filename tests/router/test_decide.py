from __future__ import annotations

from datetime import time

from router.availability import Presence, WeeklyWindow
from router.capacity import DEFAULT_CAPACITY
from router.decide import decide
from router.explain import Filter
from router.policy import RouterPolicy, SelectionStrategy
from router.snapshots import AgentSnapshot, WorkItem

NOW = 1_000_000.0


def test_longest_idle_agent_wins_and_phone_is_an_offer() -> None:
    agents = [AgentSnapshot(1, available_since=NOW - 10), AgentSnapshot(2, available_since=NOW - 300)]
    decision = decide(WorkItem(9, "phone", NOW), agents, NOW)
    assert decision.agent_id == 2
    assert decision.offer
    assert decision.explanation.chosen_agent_id == 2
    assert {verdict.agent_id: verdict.score for verdict in decision.explanation.candidates} == {
        1: 10.0,
        2: 300.0,
    }


def test_email_is_assigned_directly() -> None:
    decision = decide(WorkItem(9, "email", NOW), [AgentSnapshot(1)], NOW)
    assert decision.agent_id == 1
    assert not decision.offer


def test_every_filter_is_named() -> None:
    # NOW is a Monday, 13:46 UTC: a Sunday shift keeps agent 3 away.
    sunday_only = (WeeklyWindow(6, time(9), time(17)),)
    agents = [
        AgentSnapshot(1, presence=Presence.AWAY),
        AgentSnapshot(2, last_heartbeat=NOW - 3600),
        AgentSnapshot(3, shifts=sunday_only),
        AgentSnapshot(4, capacity=DEFAULT_CAPACITY.only(("email",))),
        AgentSnapshot(5, languages=frozenset({"en"})),
        AgentSnapshot(6),
        AgentSnapshot(7, skills=frozenset({"general"})),
        AgentSnapshot(8, skills=frozenset({"billing"}), load={"webchat": 3}),
        AgentSnapshot(9, skills=frozenset({"billing"})),
    ]
    item = WorkItem(
        1, "webchat", NOW, required_skills=frozenset({"billing"}), language="zh", declined_by=frozenset({6})
    )
    explanation = decide(item, agents, NOW).explanation
    assert explanation.removed_by(1) == Filter.PRESENCE
    assert explanation.removed_by(2) == Filter.PRESENCE
    assert explanation.removed_by(3) == Filter.OFF_SHIFT
    assert explanation.removed_by(4) == Filter.CHANNEL
    assert explanation.removed_by(5) == Filter.LANGUAGE
    assert explanation.removed_by(6) == Filter.DECLINED
    assert explanation.removed_by(7) == Filter.RING
    assert explanation.removed_by(8) == Filter.CAPACITY
    assert explanation.removed_by(9) is None
    assert explanation.chosen_agent_id == 9


def test_no_candidate_keeps_it_waiting() -> None:
    decision = decide(WorkItem(1, "phone", NOW), [AgentSnapshot(1, load={"phone": 1})], NOW)
    assert decision.agent_id is None
    assert not decision.offer
    assert "no eligible agent" in decision.explanation.reason


def test_owner_is_preferred_over_a_longer_idle_agent() -> None:
    agents = [AgentSnapshot(1, available_since=0.0), AgentSnapshot(2, available_since=NOW - 1)]
    decision = decide(WorkItem(1, "email", NOW, owner_agent_id=2), agents, NOW)
    assert decision.agent_id == 2
    assert decision.explanation.ring == "owner"


def test_busy_owner_is_waited_for_then_the_pool_widens() -> None:
    policy = RouterPolicy(owner_preference_seconds=60.0, skill_preference_seconds=None)
    agents = [AgentSnapshot(1), AgentSnapshot(2, load={"email": 10})]
    item = WorkItem(1, "email", NOW, owner_agent_id=2)
    waiting = decide(item, agents, NOW + 30, policy)
    assert waiting.agent_id is None
    assert waiting.explanation.removed_by(1) == Filter.RING
    assert decide(item, agents, NOW + 61, policy).agent_id == 1


def test_offline_owner_is_not_waited_for() -> None:
    agents = [AgentSnapshot(1), AgentSnapshot(2, presence=Presence.OFFLINE)]
    assert decide(WorkItem(1, "email", NOW, owner_agent_id=2), agents, NOW).agent_id == 1


def test_strategies() -> None:
    agents = [
        AgentSnapshot(1, load={"email": 1}, available_since=0.0),
        AgentSnapshot(2, load={"email": 3}, available_since=NOW - 1),
        AgentSnapshot(3, load={"webchat": 1}, available_since=NOW - 2),
    ]
    item = WorkItem(1, "sms", NOW)
    assert decide(item, agents, NOW).agent_id == 1
    least = RouterPolicy(strategy=SelectionStrategy.LEAST_BUSY)
    assert decide(item, agents, NOW, least).agent_id == 1
    agents[0] = AgentSnapshot(1, load={"webchat": 2}, available_since=0.0)
    assert decide(item, agents, NOW, least).agent_id == 2
    most = RouterPolicy(strategy=SelectionStrategy.MOST_AVAILABLE)
    assert decide(item, agents, NOW, most).agent_id == 2


def test_outcome_does_not_depend_on_input_order() -> None:
    agents = [AgentSnapshot(agent_id, available_since=5.0) for agent_id in (4, 2, 9)]
    assert decide(WorkItem(1, "email", NOW), agents, NOW).agent_id == 2
    assert decide(WorkItem(1, "email", NOW), list(reversed(agents)), NOW).agent_id == 2


def test_owner_on_a_break_is_still_waited_for() -> None:
    lunch = (WeeklyWindow(0, time(13), time(14)),)  # NOW is Monday 13:46 UTC
    agents = [AgentSnapshot(1), AgentSnapshot(2, breaks=lunch)]
    explanation = decide(WorkItem(1, "email", NOW, owner_agent_id=2), agents, NOW).explanation
    assert explanation.chosen_agent_id is None
    assert explanation.removed_by(2) == Filter.ON_BREAK
    assert explanation.removed_by(1) == Filter.RING


CHAT_ONLY = DEFAULT_CAPACITY.only(("webchat", "sms", "email"))


def test_light_work_goes_to_an_agent_no_call_needs_first() -> None:
    # The blended agent has been idle longer, but only they could take a call: the chat goes to the chat agent.
    agents = [AgentSnapshot(1, available_since=NOW - 300), AgentSnapshot(2, capacity=CHAT_ONLY, available_since=NOW)]
    assert decide(WorkItem(1, "webchat", NOW), agents, NOW).agent_id == 2
    assert decide(WorkItem(1, "webchat", NOW), agents, NOW, RouterPolicy(spare_blended_agents=False)).agent_id == 1
    # A busy chat agent leaves the blended agent as the only one who can take it.
    busy = [agents[0], AgentSnapshot(2, capacity=CHAT_ONLY, load={"webchat": 3})]
    assert decide(WorkItem(1, "webchat", NOW), busy, NOW).agent_id == 1
    # Calls are unaffected: everyone who takes them handles the heaviest channel.
    assert decide(WorkItem(1, "phone", NOW), agents, NOW).agent_id == 1

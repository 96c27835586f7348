from __future__ import annotations

import random

from router.availability import Presence
from router.capacity import DEFAULT_CAPACITY, CapacityProfile
from router.engine import RoutingEngine
from router.explain import Decision, Filter
from router.live import ConversationStatus
from router.policy import RouterPolicy
from router.priority import Boosts
from router.snapshots import AgentSnapshot, WorkItem
from router.value import Tier

PHONE_ONLY = CapacityProfile(weights={"phone": 30})


def engine_with(*agents: AgentSnapshot, policy: RouterPolicy | None = None) -> RoutingEngine:
    engine = RoutingEngine(policy)
    for agent in agents:
        engine.upsert_agent(agent, 0.0)
    return engine


def assigned(decisions: list[Decision]) -> dict[int, int | None]:
    return {decision.conversation_id: decision.agent_id for decision in decisions}


def test_email_is_assigned_and_phone_is_offered() -> None:
    engine = engine_with(AgentSnapshot(1), AgentSnapshot(2))
    [email] = engine.conversation_arrived(WorkItem(10, "email", 1.0), 1.0)
    assert (email.agent_id, email.offer) == (1, False)
    assert engine.status_of(10) is ConversationStatus.ASSIGNED
    [call] = engine.conversation_arrived(WorkItem(11, "phone", 2.0), 2.0)
    assert (call.agent_id, call.offer) == (2, True)
    assert engine.offer_accepted(11, 2, 3.0)
    assert engine.status_of(11) is ConversationStatus.STARTED


def test_higher_tier_is_served_first_when_capacity_frees() -> None:
    engine = engine_with(AgentSnapshot(1, capacity=PHONE_ONLY))
    engine.conversation_arrived(WorkItem(1, "phone", 0.0), 0.0)
    engine.offer_accepted(1, 1, 0.0)
    engine.conversation_arrived(WorkItem(2, "phone", 1.0, tier=Tier.BRONZE), 1.0)
    engine.conversation_arrived(WorkItem(3, "phone", 2.0, tier=Tier.PLATINUM), 2.0)
    assert assigned(engine.conversation_resolved(1, 5.0)) == {3: 1}


def test_aging_lets_a_long_wait_beat_a_tier() -> None:
    engine = engine_with(AgentSnapshot(1, capacity=PHONE_ONLY))
    engine.conversation_arrived(WorkItem(1, "phone", 0.0), 0.0)
    engine.offer_accepted(1, 1, 0.0)
    engine.conversation_arrived(WorkItem(2, "phone", 0.0, tier=Tier.BRONZE), 0.0)
    engine.conversation_arrived(WorkItem(3, "phone", 500.0, tier=Tier.PLATINUM), 500.0)
    assert assigned(engine.conversation_resolved(1, 501.0)) == {2: 1}


def test_boosts_move_a_conversation_forward() -> None:
    engine = engine_with(AgentSnapshot(1, capacity=PHONE_ONLY))
    engine.conversation_arrived(WorkItem(1, "phone", 0.0), 0.0)
    engine.offer_accepted(1, 1, 0.0)
    engine.conversation_arrived(WorkItem(2, "phone", 1.0), 1.0)
    engine.conversation_arrived(WorkItem(3, "phone", 30.0, boosts=Boosts(open_complaint=True)), 30.0)
    assert assigned(engine.conversation_resolved(1, 31.0)) == {3: 1}


def test_declined_offer_goes_elsewhere_and_never_back() -> None:
    engine = engine_with(AgentSnapshot(1, available_since=0.0), AgentSnapshot(2, available_since=1.0))
    [offer] = engine.conversation_arrived(WorkItem(5, "phone", 10.0), 10.0)
    assert offer.agent_id == 1
    decisions = engine.offer_declined(5, 1, 12.0)
    assert assigned(decisions) == {5: 2}
    engine.offer_declined(5, 2, 13.0)
    assert engine.status_of(5) is ConversationStatus.WAITING
    assert engine.explain(5, 14.0).removed_by(1) == Filter.DECLINED


def test_declined_conversation_keeps_its_place_in_the_queue() -> None:
    engine = engine_with(AgentSnapshot(1, capacity=PHONE_ONLY), AgentSnapshot(2, capacity=PHONE_ONLY))
    engine.conversation_arrived(WorkItem(1, "phone", 0.0), 0.0)  # offered to 1
    engine.conversation_arrived(WorkItem(2, "phone", 1.0), 1.0)  # offered to 2
    engine.offer_accepted(2, 2, 1.0)
    engine.conversation_arrived(WorkItem(3, "phone", 2.0), 2.0)  # waits
    # Agent 1 is free again but refused 1, so takes 3; conversation 1 still comes before any newcomer.
    assert assigned(engine.offer_declined(1, 1, 3.0)) == {3: 1}
    engine.conversation_arrived(WorkItem(4, "phone", 4.0), 4.0)
    assert assigned(engine.conversation_resolved(2, 5.0)) == {1: 2}


def test_offer_timeout_fires_in_tick() -> None:
    engine = engine_with(
        AgentSnapshot(1),
        AgentSnapshot(2, available_since=5.0),
        policy=RouterPolicy(offer_timeout_seconds=20.0),
    )
    [offer] = engine.conversation_arrived(WorkItem(1, "webchat", 0.0), 0.0)
    assert engine.next_deadline() == 20.0
    assert engine.tick(19.0) == []
    assert assigned(engine.tick(20.0)) == {1: 2}
    assert not engine.offer_accepted(1, offer.agent_id or 0, 21.0)


def test_resolving_drains_up_to_capacity() -> None:
    engine = engine_with(AgentSnapshot(1, presence=Presence.OFFLINE))
    for conversation_id in range(1, 13):
        engine.conversation_arrived(WorkItem(conversation_id, "email", float(conversation_id)), 20.0)
    decisions = engine.set_presence(1, Presence.ONLINE, 30.0)
    assert [decision.conversation_id for decision in decisions] == list(range(1, 11))
    assert engine.load_of(1) == {"email": 10}
    assert assigned(engine.conversation_resolved(4, 31.0)) == {11: 1}


def test_offline_agent_hands_back_unstarted_work_only() -> None:
    engine = engine_with(AgentSnapshot(1, available_since=0.0), AgentSnapshot(2, presence=Presence.OFFLINE))
    engine.conversation_arrived(WorkItem(1, "email", 1.0), 1.0)
    engine.conversation_arrived(WorkItem(2, "email", 2.0), 2.0)
    engine.conversation_started(1, 3.0)
    engine.set_presence(2, Presence.ONLINE, 4.0)
    decisions = engine.set_presence(1, Presence.OFFLINE, 5.0)
    assert assigned(decisions) == {2: 2}
    assert engine.agent_of(1) == 1


def test_lost_heartbeat_stops_new_work_until_it_returns() -> None:
    engine = engine_with(policy=RouterPolicy(heartbeat_timeout_seconds=30.0))
    engine.upsert_agent(AgentSnapshot(1, last_heartbeat=0.0), 0.0)
    engine.tick(31.0)
    assert engine.conversation_arrived(WorkItem(1, "email", 32.0), 32.0) == []
    assert assigned(engine.heartbeat(1, 40.0)) == {1: 1}


def test_busy_owner_is_waited_for_then_ring_widens() -> None:
    policy = RouterPolicy(owner_preference_seconds=60.0, skill_preference_seconds=None)
    engine = engine_with(AgentSnapshot(1), AgentSnapshot(2, available_since=5.0), policy=policy)
    for conversation_id in range(100, 110):
        engine.conversation_arrived(WorkItem(conversation_id, "email", 0.0, owner_agent_id=2), 0.0)
    assert engine.load_of(2) == {"email": 10}
    assert engine.conversation_arrived(WorkItem(1, "email", 1.0, owner_agent_id=2), 1.0) == []
    assert engine.next_deadline() == 61.0
    assert assigned(engine.tick(61.0)) == {1: 1}
    assert engine.explain(1, 61.0).ring == "skill"


def test_owner_going_offline_releases_waiting_conversations() -> None:
    policy = RouterPolicy(owner_preference_seconds=600.0)
    engine = engine_with(AgentSnapshot(1), AgentSnapshot(2, capacity=PHONE_ONLY), policy=policy)
    engine.conversation_arrived(WorkItem(1, "phone", 0.0, owner_agent_id=2), 0.0)
    engine.conversation_arrived(WorkItem(2, "phone", 1.0, owner_agent_id=2), 1.0)
    assert engine.agent_of(2) is None
    # The offer to the owner is handed back too, since it was never started; agent 1 takes the older one.
    assert assigned(engine.shift_ended(2, 2.0)) == {1: 1}
    assert engine.status_of(2) is ConversationStatus.WAITING
    assert engine.explain(2, 2.0).ring == "skill"


def test_team_ring_comes_before_skills() -> None:
    policy = RouterPolicy(owner_preference_seconds=None, team_preference_seconds=None)
    billing = frozenset({"billing"})
    engine = engine_with(
        AgentSnapshot(1, skills=billing, available_since=0.0),
        AgentSnapshot(2, team_id=7, available_since=9.0),
        policy=policy,
    )
    [decision] = engine.conversation_arrived(WorkItem(1, "email", 10.0, team_id=7, required_skills=billing), 10.0)
    assert decision.agent_id == 2
    assert decision.explanation.candidates[0].ring == "team"


def test_language_and_skills_are_respected() -> None:
    engine = engine_with(
        AgentSnapshot(1, languages=frozenset({"en"}), skills=frozenset({"general"})),
        AgentSnapshot(2, languages=frozenset({"zh"}), skills=frozenset({"general"}), available_since=5.0),
        policy=RouterPolicy(skill_preference_seconds=None),
    )
    [decision] = engine.conversation_arrived(WorkItem(1, "email", 10.0, language="zh"), 10.0)
    assert decision.agent_id == 2
    assert engine.conversation_arrived(WorkItem(2, "email", 10.0, required_skills=frozenset({"legal"})), 10.0) == []


def test_shift_start_drains_and_capacity_change_applies() -> None:
    engine = engine_with(AgentSnapshot(1))
    engine.shift_ended(1, 0.0)
    engine.conversation_arrived(WorkItem(1, "webchat", 1.0), 1.0)
    engine.conversation_arrived(WorkItem(2, "webchat", 2.0), 2.0)
    engine.set_capacity(1, CapacityProfile(weights={"webchat": 10}, limits={"webchat": 1}), 3.0)
    assert assigned(engine.shift_started(1, 4.0)) == {1: 1}
    assert assigned(engine.set_capacity(1, DEFAULT_CAPACITY, 5.0)) == {2: 1}


def test_withdrawn_conversation_is_never_assigned() -> None:
    engine = engine_with(AgentSnapshot(1, presence=Presence.OFFLINE))
    engine.conversation_arrived(WorkItem(1, "phone", 0.0), 0.0)
    engine.conversation_withdrawn(1, 1.0)
    assert engine.set_presence(1, Presence.ONLINE, 2.0) == []
    assert engine.status_of(1) is None


def test_repeated_arrival_is_ignored() -> None:
    engine = engine_with(AgentSnapshot(1), AgentSnapshot(2))
    assert len(engine.conversation_arrived(WorkItem(1, "email", 0.0), 0.0)) == 1
    assert engine.conversation_arrived(WorkItem(1, "email", 0.0), 0.0) == []


def test_restored_work_counts_against_capacity() -> None:
    engine = engine_with(AgentSnapshot(1, capacity=PHONE_ONLY, presence=Presence.OFFLINE))
    engine.restore_assignment(WorkItem(1, "phone", 0.0), 1, 0.0)
    engine.set_presence(1, Presence.ONLINE, 1.0)
    assert engine.conversation_arrived(WorkItem(2, "phone", 2.0), 2.0) == []
    assert assigned(engine.conversation_resolved(1, 3.0)) == {2: 1}


def test_explain_traces_every_agent() -> None:
    engine = engine_with(AgentSnapshot(1, capacity=PHONE_ONLY), AgentSnapshot(2, presence=Presence.AWAY))
    engine.upsert_agent(AgentSnapshot(3), 0.0)
    engine.shift_ended(3, 0.0)
    engine.conversation_arrived(WorkItem(1, "phone", 0.0), 0.0)
    engine.offer_accepted(1, 1, 0.0)
    engine.conversation_arrived(WorkItem(2, "phone", 1.0, tier=Tier.GOLD), 1.0)
    explanation = engine.explain(2, 2.0)
    assert explanation.removed_by(1) == Filter.CAPACITY
    assert explanation.removed_by(2) == Filter.PRESENCE
    assert explanation.removed_by(3) == Filter.OFF_SHIFT
    assert explanation.chosen_agent_id is None
    assert explanation.to_dict()["tier"] == "gold"


def test_random_event_streams_keep_the_invariants() -> None:
    """No double assignment, no capacity overrun, and never an agent who could take a waiting conversation."""
    for reserve in (False, True):
        policy = RouterPolicy(
            owner_preference_seconds=30.0, skill_preference_seconds=120.0, reserve_for_synchronous=reserve
        )
        run_random_events(policy)


def run_random_events(policy: RouterPolicy) -> None:
    rng = random.Random(7)
    engine = RoutingEngine(policy)
    channels = ("email", "sms", "phone", "webchat", "fax")
    for agent_id in range(8):
        engine.upsert_agent(
            AgentSnapshot(
                agent_id,
                team_id=agent_id % 2,
                skills=frozenset(rng.sample(["a", "b", "c"], 2)),
                languages=frozenset(rng.sample(["en", "zh"], rng.randint(1, 2))),
                capacity=DEFAULT_CAPACITY.only(tuple(rng.sample(channels, 3))),
            ),
            0.0,
        )
    now = 0.0
    live: set[int] = set()
    next_id = 1
    for _ in range(400):
        now += rng.random() * 5
        engine.tick(now)
        roll = rng.random()
        if roll < 0.4:
            item = WorkItem(
                next_id,
                rng.choice(channels),
                now,
                tier=rng.choice(list(Tier)),
                owner_agent_id=rng.choice([None, None, rng.randrange(8)]),
                team_id=rng.choice([None, 0, 1]),
                required_skills=frozenset(rng.sample(["a", "b", "c"], rng.randint(0, 1))),
                language=rng.choice([None, "en", "zh"]),
            )
            engine.conversation_arrived(item, now)
            live.add(next_id)
            next_id += 1
        elif roll < 0.7 and live:
            engine.conversation_resolved(rng.choice(sorted(live)), now)
        elif roll < 0.85 and live:
            conversation_id = rng.choice(sorted(live))
            offered_to = engine.agent_of(conversation_id)
            if engine.status_of(conversation_id) is ConversationStatus.OFFERED and offered_to is not None:
                if rng.random() < 0.5:
                    engine.offer_accepted(conversation_id, offered_to, now)
                else:
                    engine.offer_declined(conversation_id, offered_to, now)
        else:
            engine.set_presence(rng.randrange(8), rng.choice(list(Presence)), now)
        live = {cid for cid in live if engine.status_of(cid) is not None}

        holders: dict[int, list[int]] = {}
        for cid in live:
            holder = engine.agent_of(cid)
            if holder is not None:
                holders.setdefault(holder, []).append(cid)
        for member in engine.agent_ids():
            load = engine.load_of(member)
            assert sum(load.values()) == len(holders.get(member, []))
            assert DEFAULT_CAPACITY.units_used(load) <= DEFAULT_CAPACITY.total_units
            awaited = engine.reserved_for(member)
            assert awaited is None or engine.status_of(awaited) is ConversationStatus.WAITING
        for cid in live:
            if engine.status_of(cid) is ConversationStatus.WAITING:
                assert engine.explain(cid, now).chosen_agent_id is None, f"conversation {cid} left waiting"


def full_of_chats(engine: RoutingEngine, agent_id: int) -> None:
    for conversation_id in (1, 2, 3):
        engine.conversation_arrived(WorkItem(conversation_id, "webchat", 0.0), 0.0)
        engine.offer_accepted(conversation_id, agent_id, 0.0)


RESERVING = RouterPolicy(reserve_for_synchronous=True)


def test_blended_agent_makes_room_for_an_older_call() -> None:
    engine = engine_with(AgentSnapshot(1), policy=RESERVING)
    full_of_chats(engine, 1)
    engine.conversation_arrived(WorkItem(4, "phone", 1.0), 1.0)
    engine.conversation_arrived(WorkItem(5, "webchat", 2.0), 2.0)
    # Room for a chat opens, but the call came first and needs the agent whole: take nothing newer.
    assert engine.conversation_resolved(1, 3.0) == []
    assert engine.reserved_for(1) == 4
    assert engine.explain(5, 3.0).removed_by(1) == Filter.RESERVED
    engine.conversation_resolved(2, 4.0)
    assert assigned(engine.conversation_resolved(3, 5.0)) == {4: 1}


def test_reservation_ends_when_the_call_goes_elsewhere() -> None:
    engine = engine_with(AgentSnapshot(1), AgentSnapshot(2, presence=Presence.OFFLINE), policy=RESERVING)
    full_of_chats(engine, 1)
    engine.conversation_arrived(WorkItem(4, "phone", 1.0), 1.0)
    engine.conversation_arrived(WorkItem(5, "webchat", 2.0), 2.0)
    engine.conversation_resolved(1, 3.0)
    assert engine.reserved_for(1) == 4
    assert assigned(engine.set_presence(2, Presence.ONLINE, 4.0)) == {4: 2, 5: 1}
    assert engine.reserved_for(1) is None


def test_chats_go_to_chat_agents_while_blended_agents_wait_for_calls() -> None:
    chat_only = DEFAULT_CAPACITY.only(("webchat", "sms", "email"))
    engine = engine_with(AgentSnapshot(1, available_since=-10.0), AgentSnapshot(2, capacity=chat_only))
    assert assigned(engine.conversation_arrived(WorkItem(1, "webchat", 1.0), 1.0)) == {1: 2}
    assert assigned(engine.conversation_arrived(WorkItem(2, "phone", 2.0), 2.0)) == {2: 1}
    # The chat agent, once full, leaves the next chat to the blended agent as soon as the call ends.
    for conversation_id in (3, 4):
        assert assigned(engine.conversation_arrived(WorkItem(conversation_id, "webchat", 3.0), 3.0)) == {
            conversation_id: 2
        }
    engine.conversation_arrived(WorkItem(5, "webchat", 4.0), 4.0)
    assert assigned(engine.conversation_resolved(2, 5.0)) == {5: 1}


def test_without_reservation_newer_chats_fill_the_room() -> None:
    engine = engine_with(AgentSnapshot(1))
    full_of_chats(engine, 1)
    engine.conversation_arrived(WorkItem(4, "phone", 1.0), 1.0)
    engine.conversation_arrived(WorkItem(5, "webchat", 2.0), 2.0)
    assert assigned(engine.conversation_resolved(1, 3.0)) == {5: 1}

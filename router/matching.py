"""The matching core of the routing engine: its state, and how conversations and agents are brought together.

``RoutingEngine`` turns events into calls on this core. Here a conversation enters its pools and is placed with
the best ready agent at once if there is one (``_enqueue``), and an agent with room takes the best waiting
conversation across their pools (``_drain``); both record the decision (``_assign``).
"""

from __future__ import annotations

import heapq
import itertools
import math
from functools import lru_cache

from router.decide import strategy_rank, strategy_score
from router.explain import AgentVerdict, Decision, Explanation
from router.index import PoolIndex, pool_keys_by_ring
from router.live import ConversationStatus, LiveAgent, LiveConversation
from router.policy import Ring, RouterPolicy, innermost_ring, ring_schedule
from router.pools import Pool
from router.priority import Boosts
from router.snapshots import WorkItem
from router.value import Tier

RING_OPENS, OFFER_EXPIRES, HEARTBEAT_DUE = 0, 1, 2
UNSTARTED = (ConversationStatus.OFFERED, ConversationStatus.ASSIGNED)


class MatchingCore:
    def __init__(self, policy: RouterPolicy | None = None) -> None:
        self.policy = policy or RouterPolicy()
        self._agents: dict[int, LiveAgent] = {}
        self._conversations: dict[int, LiveConversation] = {}
        self._index = PoolIndex(self._agents, self.policy.strategy, self.policy.spare_blended_agents)
        # (due, sequence, kind, conversation or agent id, generation)
        self._timers: list[tuple[float, int, int, int, int]] = []
        self._sequence = itertools.count()
        self._generation = itertools.count(1)
        self._synchronous = self.policy.synchronous_channels
        # Conversation id -> agents holding capacity back for it (see ``_reserve``).
        self._reservations: dict[int, set[int]] = {}
        self._released: list[int] = []  # conversations that left the queue while agents held back for them
        self._now = 0.0
        self._strategy_name = self.policy.strategy.value
        self._levels_by_profile: dict[tuple[object, ...], list[tuple[Ring, list[Pool]]]] = {}
        # When each ring opens, counted from arrival, by whether an owner ring and a team ring apply.
        self._ring_delays: dict[tuple[bool, bool], list[tuple[Ring, float]]] = {}

    def _push_timer(self, due: float, kind: int, target: int, generation: int) -> None:
        heapq.heappush(self._timers, (due, next(self._sequence), kind, target, generation))

    def _check_heartbeat(self, agent_id: int, now: float) -> list[Decision]:
        agent = self._agents.get(agent_id)
        if agent is None or agent.last_heartbeat is None or agent.heartbeat_lost:
            return []
        if now - agent.last_heartbeat < self.policy.heartbeat_timeout_seconds:
            return []
        agent.heartbeat_lost = True
        return self._settle(self._agent_changed(agent, now))

    def _owner_reachable(self, item: WorkItem) -> bool:
        for agent_id in item.preferred_agents():
            agent = self._agents.get(agent_id)
            if agent is not None and agent.reachable:
                return True
        return False

    def _enqueue(self, conversation: LiveConversation, now: float) -> Decision | None:
        """(Re)enter the queue with the original key, in the ring the elapsed wait has reached, and try to
        place it at once. A fresh generation retires every older heap entry and timer of the conversation."""
        item = conversation.item
        conversation.generation = next(self._generation)
        conversation.status, conversation.agent_id = ConversationStatus.WAITING, None
        shape = (bool(item.preferred_agents()) and self._owner_reachable(item), item.team_id is not None)
        schedule = self._ring_delays.get(shape)
        if schedule is None:
            schedule = self._ring_delays[shape] = _ring_delays(self.policy, *shape)
        arrived = item.arrived_at
        ring, next_opening = schedule[0][0], None
        for candidate, delay in schedule:
            if arrived + delay > now:
                next_opening = arrived + delay
                break
            ring = candidate
        conversation.ring = ring
        levels = self._levels(item, ring)
        entry = (conversation.key, conversation.sequence, conversation.generation, conversation)
        for _, pools in levels:
            for pool in pools:
                pool.waiting.push(entry, conversation.lane)
        if next_opening is not None:
            self._push_timer(next_opening, RING_OPENS, item.conversation_id, conversation.generation)
        for level_ring, pools in levels:
            best: tuple[tuple[int, float, float, int], LiveAgent] | None = None
            for pool in pools:
                found = self._index.best_ready(pool, conversation)
                if found is not None and (best is None or found[0][:4] < best[0]):
                    best = (found[0][:4], found[1])
            if best is not None:
                return self._assign(conversation, best[1], level_ring, now, "best ready agent on arrival")
        return None

    def _levels(self, item: WorkItem, ring: Ring) -> list[tuple[Ring, list[Pool]]]:
        """The pools an item waits in, cached per routing profile: most conversations share a handful."""
        profile = (
            item.channel,
            item.language,
            item.team_id,
            item.required_skills,
            item.preferred_agents(),
            ring,
        )
        levels = self._levels_by_profile.get(profile)
        if levels is None:
            levels = [(level, [self._index.pool(key) for key in keys]) for level, keys in pool_keys_by_ring(item, ring)]
            self._levels_by_profile[profile] = levels
        return levels

    def _drain(self, agent: LiveAgent, now: float) -> list[Decision]:
        """Fill the agent's free capacity from the queue, best priority key first across all their pools.

        One pass over the agent's pools per conversation taken; nearly always a single pass, since freed
        capacity is usually one conversation's worth.
        """
        decisions: list[Decision] = []
        waiting_status = ConversationStatus.WAITING
        capacity = agent.capacity
        total, weights, limits = capacity.total_units, capacity.weights, capacity.limits
        smallest = agent.smallest_weight
        reserving = self.policy.reserve_for_synchronous
        while agent.accepting and agent.units_used + smallest <= total:
            best: LiveConversation | None = None
            best_pool: Pool | None = None
            best_key, best_sequence = math.inf, 0
            blocked: LiveConversation | None = None
            room = total - agent.units_used
            for channel, pools in agent.pools.items():
                # ``LiveAgent.can_take``, spelt out: this runs for every channel of every decision.
                fits = weights[channel] <= room and (
                    not limits or channel not in limits or agent.load.get(channel, 0) < limits[channel]
                )
                if not fits and not (reserving and channel in self._synchronous):
                    continue
                for pool in pools:
                    entry = pool.waiting.head
                    if entry is None:
                        continue
                    # Everything in a pool sorts at or after its head entry, stale or not: when that entry comes
                    # after the best so far, the pool has nothing better, and its conversation need not be read.
                    if fits and (entry[0] > best_key or (entry[0] == best_key and entry[1] >= best_sequence)):
                        continue
                    # The head is nearly always current and unrefused; only otherwise pay for the search.
                    head = entry[3]
                    if head.status is not waiting_status or head.generation != entry[2] or head.declined is not None:
                        current = self._current_head(pool, agent.agent_id)
                        if current is None:
                            continue
                        head = current
                    if not fits:
                        if (blocked is None or (head.key, head.sequence) < (blocked.key, blocked.sequence)) and (
                            len(self._reservations.get(head.item.conversation_id, ()))
                            < self.policy.reservations_per_conversation
                        ):
                            blocked = head
                    elif head.key < best_key or (head.key == best_key and head.sequence < best_sequence):
                        best, best_pool, best_key, best_sequence = head, pool, head.key, head.sequence
            if blocked is not None and (best is None or (blocked.key, blocked.sequence) < (best.key, best.sequence)):
                self._reserve(agent, blocked)
                break
            if best is None or best_pool is None:
                break
            head_entry = best_pool.waiting.head
            if head_entry is not None and head_entry[3] is best:
                best_pool.waiting.pop()  # now, while it is at hand, rather than when it turns up stale
            ring = innermost_ring(agent.agent_id, agent.team_id, agent.skills, best.item, best.ring)
            decisions.append(
                self._assign(best, agent, ring or best.ring, now, "capacity freed: next in queue", refresh=False)
            )
        return decisions

    def _reserve(self, agent: LiveAgent, conversation: LiveConversation) -> None:
        """Hold the agent back from newer work while an older call or chat waits for room they are making.

        Without this a phone call, which needs the agent whole, could wait for ever behind a stream of emails
        and chats that keep every blended agent partly busy.
        """
        agent.reserved_for = conversation.item.conversation_id
        agent.update_accepting()
        self._reservations.setdefault(conversation.item.conversation_id, set()).add(agent.agent_id)

    def _unreserve(self, agent: LiveAgent) -> None:
        if agent.reserved_for is None:
            return
        holders = self._reservations.get(agent.reserved_for)
        if holders is not None:
            holders.discard(agent.agent_id)
            if not holders:
                del self._reservations[agent.reserved_for]
        agent.reserved_for = None
        agent.update_accepting()

    def _settle(self, decisions: list[Decision]) -> list[Decision]:
        """Let agents who were holding back for a conversation that has now left the queue take work again."""
        while self._released:
            conversation_id = self._released.pop()
            for agent_id in sorted(self._reservations.pop(conversation_id, ())):
                agent = self._agents.get(agent_id)
                if agent is not None and agent.reserved_for == conversation_id:
                    decisions += self._agent_changed(agent, self._now)
        return decisions

    def _left_queue(self, conversation_id: int) -> None:
        if conversation_id in self._reservations:
            self._released.append(conversation_id)

    def _current_head(self, pool: Pool, agent_id: int) -> LiveConversation | None:
        """The pool's first waiting conversation this agent has not refused, dropping stale entries."""
        waiting = pool.waiting
        head: LiveConversation | None = None
        while (entry := waiting.head) is not None:
            head = entry[3]
            if head.status is ConversationStatus.WAITING and head.generation == entry[2]:
                break
            waiting.pop()
            head = None
        if head is not None and head.declined is not None and agent_id in head.declined:
            head = self._index.head_for(pool, agent_id)
        return head

    def _agent_changed(self, agent: LiveAgent, now: float) -> list[Decision]:
        self._now = now
        self._unreserve(agent)
        agent.update_accepting()
        decisions: list[Decision] = []
        if not agent.reachable:
            decisions += self._reroute_unstarted(agent, now)
            decisions += self._widen_past(agent.agent_id, now)
        decisions += self._drain(agent, now)
        self._index.refresh(agent)
        return decisions

    def _reroute_unstarted(self, agent: LiveAgent, now: float) -> list[Decision]:
        decisions: list[Decision] = []
        for conversation_id in sorted(agent.held):
            conversation = self._conversations.get(conversation_id)
            if conversation is None or conversation.status not in UNSTARTED:
                continue
            agent.release(conversation.item.channel, conversation_id, now)
            decision = self._enqueue(conversation, now)
            decisions += [] if decision is None else [decision]
        return decisions

    def _widen_past(self, owner_id: int, now: float) -> list[Decision]:
        """Conversations waiting only for this owner stop waiting for them once they are gone."""
        stuck: list[LiveConversation] = []

        def collect(conversation: LiveConversation, generation: int) -> None:
            if (
                conversation.generation == generation
                and conversation.status is ConversationStatus.WAITING
                and conversation.ring is Ring.OWNER
            ):
                stuck.append(conversation)

        for key in self._index.owner_pools(owner_id):
            self._index.waiting_in(key, collect)
        decisions: list[Decision] = []
        for conversation in stuck:
            if conversation.ring is Ring.OWNER and conversation.status is ConversationStatus.WAITING:
                decision = self._enqueue(conversation, now)
                decisions += [] if decision is None else [decision]
        return decisions

    def _assign(
        self,
        conversation: LiveConversation,
        agent: LiveAgent,
        ring: Ring,
        now: float,
        reason: str,
        refresh: bool = True,
    ) -> Decision:
        """Give the conversation to the agent. ``refresh=False`` defers re-indexing the agent to the
        caller, who is about to change them again (a drain taking several conversations in a row)."""
        item = conversation.item
        self._left_queue(item.conversation_id)
        offer = item.channel in self._synchronous
        conversation.status = ConversationStatus.OFFERED if offer else ConversationStatus.ASSIGNED
        conversation.agent_id = agent.agent_id
        verdicts: tuple[AgentVerdict, ...] = ()
        boosts: tuple[str, ...] = ()
        if self.policy.explain:
            rank = strategy_rank(
                self.policy.strategy,
                agent.units_used,
                agent.capacity.total_units - agent.units_used,
                agent.available_since,
                agent.spare,
            )
            score = strategy_score(self.policy.strategy, rank, now)
            verdicts = (AgentVerdict(agent.agent_id, None, score, _RING_LABELS[ring]),)
            boosts = _active_boosts(item.boosts)
        agent.hold(item.channel, item.conversation_id, now)
        if refresh:
            self._index.refresh(agent)
        if offer:
            self._push_timer(
                now + self.policy.offer_timeout_seconds,
                OFFER_EXPIRES,
                item.conversation_id,
                conversation.generation,
            )
        explanation = Explanation(
            item.conversation_id,
            now,
            _RING_LABELS[conversation.ring],
            conversation.key,
            self._strategy_name,
            verdicts,
            agent.agent_id,
            reason,
            boosts,
            _TIER_LABELS[item.tier],
        )
        return Decision(item.conversation_id, agent.agent_id, offer, explanation)


def _ring_delays(policy: RouterPolicy, owner_ring: bool, team_ring: bool) -> list[tuple[Ring, float]]:
    """``ring_schedule`` relative to arrival: it depends on the item only through which rings apply, so four
    shapes serve every conversation."""
    shape = WorkItem(0, "", 0.0, owner_agent_id=0 if owner_ring else None, team_id=0 if team_ring else None)
    return ring_schedule(shape, policy, owner_ring)


_RING_LABELS = {ring: ring.label for ring in Ring}
_TIER_LABELS = {tier: tier.name.lower() for tier in Tier}


@lru_cache(maxsize=64)
def _active_boosts(boosts: Boosts) -> tuple[str, ...]:
    return boosts.active()

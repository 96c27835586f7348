"""The routing engine: the live queue and agent state, kept current by events, deciding in O(log n) per event.

Every event method returns the decisions it caused (possibly several: an agent coming online drains the queue
up to their capacity). The caller applies them to the store and reports back: offers are answered with
``offer_accepted`` or ``offer_declined``; work that ends with ``conversation_resolved``. Timers (offer
timeouts, widening rings, lost heartbeats) fire in ``tick(now)``; ``next_deadline()`` says when the next one
is due.

The engine is single-threaded and holds each conversation in exactly one state, so it never assigns one twice;
several processes sharing a store still need the store's own atomic claim.
"""

from __future__ import annotations

import heapq
from dataclasses import replace

from router.availability import Presence, schedule_reason
from router.capacity import CapacityProfile
from router.decide import decide
from router.explain import AgentVerdict, Decision, Explanation, Filter
from router.live import ConversationStatus, LiveAgent, LiveConversation
from router.matching import HEARTBEAT_DUE, OFFER_EXPIRES, RING_OPENS, UNSTARTED, MatchingCore
from router.snapshots import AgentSnapshot, WorkItem

RETIRED = -1  # the generation of a conversation that has left the engine: no entry or timer matches it


class RoutingEngine(MatchingCore):
    """The router as a long-lived object: ``RoutingEngine(policy)``, fed every event, rebuilt at start-up from
    the store (``upsert_agent`` for each agent, ``restore_assignment`` for held work, ``conversation_arrived``
    for waiting work, oldest first)."""

    # -- agents ---------------------------------------------------------------------------------------------

    def upsert_agent(self, snapshot: AgentSnapshot, now: float) -> list[Decision]:
        """Add an agent or replace their profile, presence and schedule. Their load is the engine's own record
        (see ``restore_assignment``), never taken from the snapshot, so a stale snapshot cannot undo work."""
        agent = self._agents.get(snapshot.agent_id)
        if agent is None:
            agent = LiveAgent(
                snapshot.agent_id,
                snapshot.team_id,
                snapshot.skills,
                snapshot.languages,
                snapshot.capacity,
                snapshot.presence,
                snapshot.shifts,
                snapshot.breaks,
                available_since=snapshot.available_since,
            )
            self._agents[snapshot.agent_id] = agent
        else:
            self._index.detach(agent)
            agent.team_id, agent.skills, agent.languages = (
                snapshot.team_id,
                snapshot.skills,
                snapshot.languages,
            )
            agent.capacity, agent.presence = snapshot.capacity, snapshot.presence
            agent.shifts, agent.breaks = snapshot.shifts, snapshot.breaks
        reason = schedule_reason(agent.shifts, agent.breaks, now)
        agent.on_shift = reason != Filter.OFF_SHIFT
        agent.on_break = reason == Filter.ON_BREAK
        if snapshot.last_heartbeat is not None:
            agent.last_heartbeat = snapshot.last_heartbeat
            agent.heartbeat_lost = now - snapshot.last_heartbeat >= self.policy.heartbeat_timeout_seconds
            self._push_timer(
                snapshot.last_heartbeat + self.policy.heartbeat_timeout_seconds,
                HEARTBEAT_DUE,
                agent.agent_id,
                0,
            )
        agent.update_accepting()
        self._index.attach(agent)
        return self._settle(self._agent_changed(agent, now))

    def remove_agent(self, agent_id: int, now: float) -> list[Decision]:
        decisions = self.set_presence(agent_id, Presence.OFFLINE, now)
        agent = self._agents.pop(agent_id, None)
        if agent is not None:
            self._index.detach(agent)
        return decisions

    def set_presence(self, agent_id: int, presence: Presence, now: float) -> list[Decision]:
        agent = self._agents.get(agent_id)
        if agent is None or agent.presence is presence:
            return []
        agent.presence = presence
        return self._settle(self._agent_changed(agent, now))

    def heartbeat(self, agent_id: int, now: float) -> list[Decision]:
        agent = self._agents.get(agent_id)
        if agent is None:
            return []
        agent.last_heartbeat = now
        self._push_timer(now + self.policy.heartbeat_timeout_seconds, HEARTBEAT_DUE, agent_id, 0)
        if not agent.heartbeat_lost:
            return []
        agent.heartbeat_lost = False
        return self._settle(self._agent_changed(agent, now))

    def set_capacity(self, agent_id: int, capacity: CapacityProfile, now: float) -> list[Decision]:
        agent = self._agents.get(agent_id)
        if agent is None:
            return []
        self._index.detach(agent)
        agent.capacity = capacity
        agent.units_used = capacity.units_used(agent.load)
        self._index.attach(agent)
        return self._settle(self._agent_changed(agent, now))

    def set_schedule_state(self, agent_id: int, on_shift: bool, on_break: bool, now: float) -> list[Decision]:
        """Shift and break events. Ending a shift releases unstarted work like going offline; a break keeps
        it."""
        agent = self._agents.get(agent_id)
        if agent is None or (agent.on_shift, agent.on_break) == (on_shift, on_break):
            return []
        agent.on_shift, agent.on_break = on_shift, on_break
        return self._settle(self._agent_changed(agent, now))

    def shift_started(self, agent_id: int, now: float) -> list[Decision]:
        return self.set_schedule_state(agent_id, True, False, now)

    def shift_ended(self, agent_id: int, now: float) -> list[Decision]:
        return self.set_schedule_state(agent_id, False, False, now)

    def sync_schedules(self, now: float) -> list[Decision]:
        """Re-read every agent's weekly windows at ``now``; for a periodic job instead of per-agent events."""
        decisions: list[Decision] = []
        for agent in list(self._agents.values()):
            reason = schedule_reason(agent.shifts, agent.breaks, now)
            decisions += self.set_schedule_state(
                agent.agent_id, reason != Filter.OFF_SHIFT, reason == Filter.ON_BREAK, now
            )
        return decisions

    # -- conversations --------------------------------------------------------------------------------------

    def conversation_arrived(self, item: WorkItem, now: float) -> list[Decision]:
        if item.conversation_id in self._conversations:
            return []
        offset = self.policy.offsets.total(item.tier, item.boosts)
        conversation = LiveConversation(item, item.arrived_at - offset, next(self._sequence), offset)
        if item.declined_by:
            conversation.declined = set(item.declined_by)
        self._conversations[item.conversation_id] = conversation
        decision = self._enqueue(conversation, now)
        return self._settle([] if decision is None else [decision])

    def restore_assignment(self, item: WorkItem, agent_id: int, now: float, started: bool = True) -> None:
        """Rebuild state at start-up: a conversation already held by an agent, who must be upserted first."""
        agent = self._agents[agent_id]
        offset = self.policy.offsets.total(item.tier, item.boosts)
        status = ConversationStatus.STARTED if started else ConversationStatus.ASSIGNED
        conversation = LiveConversation(item, item.arrived_at - offset, next(self._sequence), offset, status, agent_id)
        self._conversations[item.conversation_id] = conversation
        agent.hold(item.channel, item.conversation_id, agent.available_since)
        self._index.refresh(agent)

    def conversation_started(self, conversation_id: int, now: float) -> None:
        """The agent began work on it, so leaving no longer hands it to someone else."""
        conversation = self._conversations.get(conversation_id)
        if conversation is not None and conversation.status in UNSTARTED:
            conversation.status = ConversationStatus.STARTED

    def conversation_resolved(self, conversation_id: int, now: float) -> list[Decision]:
        conversation = self._conversations.pop(conversation_id, None)
        self._left_queue(conversation_id)
        if conversation is None:
            return self._settle([])
        # Queue entries hold the conversation itself: retire them all, as a re-queue would.
        conversation.generation = RETIRED
        if conversation.agent_id is None:
            return self._settle([])
        agent = self._agents.get(conversation.agent_id)
        if agent is None:
            return []
        agent.release(conversation.item.channel, conversation_id, now)
        return self._settle(self._agent_changed(agent, now))

    def conversation_withdrawn(self, conversation_id: int, now: float) -> list[Decision]:
        """The customer hung up or the conversation was closed before an agent finished it."""
        return self.conversation_resolved(conversation_id, now)

    def offer_accepted(self, conversation_id: int, agent_id: int, now: float) -> bool:
        """False when the offer is no longer open (timed out, withdrawn): the agent must be told it is
        gone."""
        conversation = self._conversations.get(conversation_id)
        if conversation is None or conversation.status is not ConversationStatus.OFFERED:
            return False
        if conversation.agent_id != agent_id:
            return False
        conversation.status = ConversationStatus.STARTED
        return True

    def offer_declined(self, conversation_id: int, agent_id: int, now: float) -> list[Decision]:
        conversation = self._conversations.get(conversation_id)
        if conversation is None or conversation.status is not ConversationStatus.OFFERED:
            return []
        if conversation.agent_id != agent_id:
            return []
        if conversation.declined is None:
            conversation.declined = set()
        conversation.declined.add(agent_id)
        agent = self._agents[agent_id]
        agent.release(conversation.item.channel, conversation_id, now)
        decision = self._enqueue(conversation, now)
        decisions = [] if decision is None else [decision]
        return self._settle(decisions + self._agent_changed(agent, now))

    # -- time -----------------------------------------------------------------------------------------------

    def tick(self, now: float) -> list[Decision]:
        decisions: list[Decision] = []
        while self._timers and self._timers[0][0] <= now:
            _, _, kind, target, generation = heapq.heappop(self._timers)
            if kind == HEARTBEAT_DUE:
                decisions += self._check_heartbeat(target, now)
                continue
            conversation = self._conversations.get(target)
            if conversation is None or conversation.generation != generation:
                continue
            if kind == RING_OPENS and conversation.status is ConversationStatus.WAITING:
                decision = self._enqueue(conversation, now)
                decisions += [] if decision is None else [decision]
            elif kind == OFFER_EXPIRES and conversation.status is ConversationStatus.OFFERED:
                assert conversation.agent_id is not None
                decisions += self.offer_declined(target, conversation.agent_id, now)
        return self._settle(decisions)

    def next_deadline(self) -> float | None:
        # Most offer timers are answered long before they fall due; dropping those here spares the caller a
        # wake-up per offer.
        timers = self._timers
        while timers and timers[0][2] != HEARTBEAT_DUE:
            conversation = self._conversations.get(timers[0][3])
            if conversation is not None and conversation.generation == timers[0][4]:
                awaits = ConversationStatus.WAITING if timers[0][2] == RING_OPENS else ConversationStatus.OFFERED
                if conversation.status is awaits:
                    break
            heapq.heappop(timers)
        return timers[0][0] if timers else None

    # -- inspection -----------------------------------------------------------------------------------------

    def status_of(self, conversation_id: int) -> ConversationStatus | None:
        conversation = self._conversations.get(conversation_id)
        return None if conversation is None else conversation.status

    def agent_of(self, conversation_id: int) -> int | None:
        conversation = self._conversations.get(conversation_id)
        return None if conversation is None else conversation.agent_id

    def load_of(self, agent_id: int) -> dict[str, int]:
        return {channel: count for channel, count in self._agents[agent_id].load.items() if count}

    def reserved_for(self, agent_id: int) -> int | None:
        """The waiting conversation this agent is making room for, if any."""
        return self._agents[agent_id].reserved_for

    def agent_ids(self) -> list[int]:
        return list(self._agents)

    def explain(self, conversation_id: int, now: float) -> Explanation:
        """A full trace over every agent, as ``decide`` would give it, for a supervisor asking "why still
        here?"."""
        conversation = self._conversations[conversation_id]
        item = conversation.item
        if conversation.declined:
            item = replace(item, declined_by=frozenset(conversation.declined))
        agents = list(self._agents.values())
        traced = decide(item, [agent.snapshot() for agent in agents], now, self.policy).explanation
        # Snapshots carry schedule and reservation as presence; name the real reason in the trace.
        reasons = {agent.agent_id: agent.holding_reason() for agent in agents}
        verdicts = tuple(
            AgentVerdict(verdict.agent_id, reasons[verdict.agent_id], detail=verdict.detail)
            if verdict.removed_by == Filter.PRESENCE and reasons[verdict.agent_id] is not None
            else verdict
            for verdict in traced.verdicts
        )
        return Explanation(
            traced.conversation_id,
            now,
            conversation.ring.label,
            conversation.key,
            traced.strategy,
            verdicts,
            traced.chosen_agent_id,
            traced.reason,
            traced.boosts,
            traced.tier,
        )

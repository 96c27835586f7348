"""Deciding many new conversations at once, on one snapshot of the agents.

The router's reference decision (``router.decide``) is taken for each conversation in priority order, exactly
as one route job per conversation would take it, except that the snapshot is read once: each placement is
counted against its agent (one more conversation held, idle since now) before the next conversation is looked
at, which is what the store would have shown the next job. Every decision keeps its full explanation, every
agent with the filter that removed them or the score that ranked them. Pure: an action applies the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from router import AgentSnapshot, CapacityProfile, RouterPolicy, WorkItem, decide


@dataclass(frozen=True, slots=True)
class Proposal:
    """One routing decision waiting to be applied: ``agent_id`` None means the conversation keeps waiting.
    ``capacity`` is the chosen agent's, to check the claim against what they hold at that moment."""

    conversation_id: int
    channel: str
    agent_id: int | None
    explanation: dict[str, Any]
    capacity: CapacityProfile | None = None


def plan_routing(
    items: Sequence[WorkItem], agents: Sequence[AgentSnapshot], now: float, policy: RouterPolicy
) -> list[Proposal]:
    """A proposal for each of ``items``, which the caller gives best first."""
    current = {agent.agent_id: agent for agent in agents}
    proposals: list[Proposal] = []
    for item in items:
        decision = decide(item, current.values(), now, policy)
        chosen = current.get(decision.agent_id) if decision.agent_id is not None else None
        proposals.append(
            Proposal(
                item.conversation_id,
                item.channel,
                decision.agent_id,
                decision.to_dict(),
                chosen.capacity if chosen is not None else None,
            )
        )
        if chosen is not None:
            load = dict(chosen.load)
            load[item.channel] = load.get(item.channel, 0) + 1
            # Taking work restarts the agent's idle clock, as the claim writes it, so the next conversation
            # goes to whoever has now waited longest.
            current[chosen.agent_id] = replace(chosen, load=load, available_since=now)
    return proposals

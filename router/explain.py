"""Decision explanations: plain data a supervisor can read and the store can keep as JSON.

These records are built on every decision, so they are plain slotted dataclasses: a frozen one costs several
times as much to construct. Treat them as values all the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class Filter:
    """The names of the filters that can remove an agent, in the order they are applied."""

    UNKNOWN_AGENT = "unknown_agent"
    PRESENCE = "presence"
    OFF_SHIFT = "off_shift"
    ON_BREAK = "on_break"
    CHANNEL = "channel"
    LANGUAGE = "language"
    DECLINED = "declined"
    RING = "ring"
    CAPACITY = "capacity"
    RESERVED = "reserved"  # making room for an older call or chat that needs more capacity


@dataclass(slots=True)
class AgentVerdict:
    """One agent looked at: ``removed_by`` names the filter that excluded them, or is None for a candidate,
    which then carries a ``score`` (higher is better) and the ``ring`` it was eligible through."""

    agent_id: int
    removed_by: str | None = None
    score: float | None = None
    ring: str | None = None
    detail: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "agent_id": self.agent_id,
            "removed_by": self.removed_by,
            "score": self.score,
            "ring": self.ring,
            "detail": self.detail,
        }


@dataclass(slots=True)
class Explanation:
    conversation_id: int
    at: float
    ring: str
    priority_key: float
    strategy: str
    verdicts: tuple[AgentVerdict, ...] = ()
    chosen_agent_id: int | None = None
    reason: str = ""
    boosts: tuple[str, ...] = field(default_factory=tuple)
    tier: str = ""

    @property
    def candidates(self) -> tuple[AgentVerdict, ...]:
        return tuple(verdict for verdict in self.verdicts if verdict.removed_by is None)

    def removed_by(self, agent_id: int) -> str | None:
        for verdict in self.verdicts:
            if verdict.agent_id == agent_id:
                return verdict.removed_by
        raise KeyError(agent_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "conversation_id": self.conversation_id,
            "at": self.at,
            "ring": self.ring,
            "priority_key": self.priority_key,
            "strategy": self.strategy,
            "tier": self.tier,
            "boosts": list(self.boosts),
            "chosen_agent_id": self.chosen_agent_id,
            "reason": self.reason,
            "verdicts": [verdict.to_dict() for verdict in self.verdicts],
        }


@dataclass(slots=True)
class Decision:
    """What to do with one conversation: give it to ``agent_id`` (as an offer when ``offer`` is true, to be
    accepted within the policy's timeout), or keep it waiting when ``agent_id`` is None."""

    conversation_id: int
    agent_id: int | None
    offer: bool
    explanation: Explanation

    def to_dict(self) -> dict[str, Any]:
        return {
            "conversation_id": self.conversation_id,
            "agent_id": self.agent_id,
            "offer": self.offer,
            "explanation": self.explanation.to_dict(),
        }

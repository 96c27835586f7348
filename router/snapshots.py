"""The two snapshots the router is handed: an agent as the store sees them now, and a conversation to
place."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from router.availability import Presence, WeeklyWindow
from router.capacity import DEFAULT_CAPACITY, CapacityProfile
from router.priority import NO_BOOSTS, Boosts
from router.value import Tier

EMPTY: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class AgentSnapshot:
    """An agent's routing-relevant state.

    ``languages`` empty means the agent is not restricted by language; ``load`` counts conversations held per
    channel, offers still awaiting an answer included, since an offer reserves its capacity.
    ``available_since`` is when the agent last took or released work, which is what "longest idle" compares.
    """

    agent_id: int
    presence: Presence = Presence.ONLINE
    last_heartbeat: float | None = None
    shifts: tuple[WeeklyWindow, ...] = ()
    breaks: tuple[WeeklyWindow, ...] = ()
    team_id: int | None = None
    skills: frozenset[str] = EMPTY
    languages: frozenset[str] = EMPTY
    capacity: CapacityProfile = DEFAULT_CAPACITY
    load: Mapping[str, int] = field(default_factory=dict)
    available_since: float = 0.0

    def speaks(self, language: str | None) -> bool:
        return language is None or not self.languages or language in self.languages


@dataclass(frozen=True, slots=True)
class WorkItem:
    """A conversation waiting for an agent. ``channel`` is the channel name ("email", "sms", "phone",
    "webchat",
    "fax"); ``arrived_at`` is when it started waiting, in POSIX seconds; ``declined_by`` lists agents who
    already refused or let an offer of it time out."""

    conversation_id: int
    channel: str
    arrived_at: float
    tier: Tier = Tier.BRONZE
    boosts: Boosts = NO_BOOSTS
    owner_agent_id: int | None = None
    last_agent_id: int | None = None
    team_id: int | None = None
    required_skills: frozenset[str] = EMPTY
    language: str | None = None
    declined_by: frozenset[int] = frozenset()

    def preferred_agents(self) -> tuple[int, ...]:
        # Asked several times for every arrival, hence spelt out rather than de-duplicated generically.
        owner, last = self.owner_agent_id, self.last_agent_id
        if owner is None:
            return () if last is None else (last,)
        if last is None or last == owner:
            return (owner,)
        return (owner, last)

"""The ``[routing]`` section of the configuration: how the router picks an agent and how long it waits for one.

Turned into the router's ``RouterPolicy`` by ``RoutingSection.policy()``; every process that routes (the route
and drain jobs, the voice webhook) builds its policy from here, so one setting changes them all.
"""

from __future__ import annotations

import math
from itertools import pairwise
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from router import RouterPolicy, SelectionStrategy

# Channels the hub knows; a synchronous channel must be one of them, or the setting would silently do nothing.
KNOWN_CHANNELS = frozenset({"phone", "webchat", "chat", "email", "sms", "fax"})
NEVER = "never"

RingSeconds = float | Literal["never"]


def _seconds(value: RingSeconds) -> float | None:
    return None if value == NEVER else float(value)


def _as_number(value: RingSeconds) -> float:
    return math.inf if value == NEVER else float(value)


class RoutingSection(BaseModel):
    """Agent selection, offers for synchronous channels, and the rings a waiting conversation passes through
    (owner or last agent → team → agents with the skills → everyone). Ring times count from arrival; "never"
    holds a ring for good (a conversation needing a skill never goes to someone without it, for instance)."""

    # longest_idle: whoever has waited longest since their last work; least_busy: the fewest capacity units in
    # use; most_available: the most units free.
    strategy: Literal["longest_idle", "least_busy", "most_available"] = "longest_idle"
    # Channels whose conversations are offered (the agent accepts or declines) instead of assigned outright.
    synchronous_channels: list[str] = Field(default_factory=lambda: ["phone", "webchat"])
    # How long an agent has to accept an offer before it passes to someone else.
    offer_timeout_seconds: float = Field(default=20.0, ge=3, le=600)
    owner_preference_seconds: RingSeconds = 120.0
    team_preference_seconds: RingSeconds = 300.0
    skill_preference_seconds: RingSeconds = 900.0
    # A blended agent whose capacity frees takes nothing newer while an older call or chat they could take waits.
    reserve_for_synchronous: bool = False
    # Light work goes first to agents no call needs, keeping blended agents free for calls.
    spare_blended_agents: bool = True

    @field_validator("synchronous_channels")
    @classmethod
    def _known_channels(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - KNOWN_CHANNELS)
        if unknown:
            raise ValueError(f"unknown channel {', '.join(unknown)}; choose from {', '.join(sorted(KNOWN_CHANNELS))}")
        return value

    @field_validator("owner_preference_seconds", "team_preference_seconds", "skill_preference_seconds")
    @classmethod
    def _not_negative(cls, value: RingSeconds) -> RingSeconds:
        if value != NEVER and (not math.isfinite(float(value)) or float(value) < 0):
            raise ValueError('must be a number of seconds, 0 or more, or "never"')
        return value

    @model_validator(mode="after")
    def _rings_widen_in_order(self) -> RoutingSection:
        # Each ring contains the one before it, so a wider ring cannot open before a narrower one.
        rings = (
            ("owner_preference_seconds", self.owner_preference_seconds),
            ("team_preference_seconds", self.team_preference_seconds),
            ("skill_preference_seconds", self.skill_preference_seconds),
        )
        for (earlier, first), (later, second) in pairwise(rings):
            if first == NEVER:
                break
            if _as_number(second) < _as_number(first):
                raise ValueError(f"{later} ({second}) must not be shorter than {earlier} ({first})")
        return self

    def policy(self) -> RouterPolicy:
        return RouterPolicy(
            strategy=SelectionStrategy(self.strategy),
            synchronous_channels=frozenset(self.synchronous_channels),
            offer_timeout_seconds=self.offer_timeout_seconds,
            owner_preference_seconds=_seconds(self.owner_preference_seconds),
            team_preference_seconds=_seconds(self.team_preference_seconds),
            skill_preference_seconds=_seconds(self.skill_preference_seconds),
            reserve_for_synchronous=self.reserve_for_synchronous,
            spare_blended_agents=self.spare_blended_agents,
        )

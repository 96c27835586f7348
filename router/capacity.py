"""Per-channel capacity with weights.

Capacity is counted in integer units so that mixed loads add up exactly: with the defaults an agent has 30
units, a phone call costs all 30 (it takes the agent whole), a chat 10 (three at a time) and an email, SMS or
fax 3 (ten at a time). Per-channel limits cap a channel below what the units alone would allow.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_TOTAL_UNITS = 30


def _default_weights() -> dict[str, int]:
    return {"phone": 30, "webchat": 10, "chat": 10, "email": 3, "sms": 3, "fax": 3}


@dataclass(frozen=True, slots=True)
class CapacityProfile:
    """What one agent can hold at once. A channel absent from ``weights`` is one the agent does not handle."""

    total_units: int = DEFAULT_TOTAL_UNITS
    weights: Mapping[str, int] = field(default_factory=_default_weights)
    limits: Mapping[str, int] = field(default_factory=dict)

    def handles(self, channel: str) -> bool:
        return channel in self.weights

    def units_used(self, load: Mapping[str, int]) -> int:
        return sum(self.weights.get(channel, 0) * count for channel, count in load.items())

    def fits(self, channel: str, load: Mapping[str, int], units_used: int | None = None) -> bool:
        """Whether one more conversation on ``channel`` fits beside ``load``; ``units_used`` may be passed
        when the caller already keeps the running sum."""
        weight = self.weights.get(channel)
        if weight is None:
            return False
        used = self.units_used(load) if units_used is None else units_used
        if used + weight > self.total_units:
            return False
        limit = self.limits.get(channel)
        return limit is None or load.get(channel, 0) < limit

    def free_units(self, load: Mapping[str, int]) -> int:
        return self.total_units - self.units_used(load)

    def only(self, channels: tuple[str, ...]) -> CapacityProfile:
        """The same profile restricted to some channels, for agents who handle a subset."""
        return CapacityProfile(
            total_units=self.total_units,
            weights={name: weight for name, weight in self.weights.items() if name in channels},
            limits={name: limit for name, limit in self.limits.items() if name in channels},
        )


DEFAULT_CAPACITY = CapacityProfile()

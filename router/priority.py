"""Queue order: a conversation's priority key is its arrival time minus an offset earned by tier and boosts.

A time offset rather than a strict class order is what keeps low tiers from starving: a bronze conversation
that has waited longer than the platinum offset is served before a platinum one that just arrived. The key is
computed once, at arrival, so a conversation never loses its place while it waits (a declined offer included).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from router.value import Tier


@dataclass(frozen=True, slots=True)
class Boosts:
    """Reasons to serve a conversation sooner than its tier alone would.

    ``sla_at_risk`` is set by whoever watches the deadlines; a new key is only computed when the conversation
    is routed again, so a boost raised while waiting is applied by withdrawing and re-adding it.
    """

    open_complaint: bool = False
    at_risk_customer: bool = False
    sla_at_risk: bool = False
    key_account: bool = False

    def active(self) -> tuple[str, ...]:
        names = ("open_complaint", "at_risk_customer", "sla_at_risk", "key_account")
        return tuple(name for name in names if getattr(self, name))


NO_BOOSTS = Boosts()


def _default_tier_offsets() -> dict[Tier, float]:
    # Sized against a contact-centre wait of tens of seconds with busy spells of minutes: platinum jumps anyone
    # who has waited under five minutes, so even in a busy spell it is answered by the next free agent, while
    # bronze is never overtaken by someone who arrived more than five minutes after it. Gold and silver sit
    # between so that a silver customer is not made to wait much beyond first-come-first-served.
    return {Tier.PLATINUM: 300.0, Tier.GOLD: 90.0, Tier.SILVER: 20.0, Tier.BRONZE: 0.0}


@dataclass(frozen=True, slots=True)
class PriorityOffsets:
    """Seconds subtracted from the arrival time. Boost offsets add up; ``max_total`` bounds how far any one
    conversation can jump, which bounds how long anyone else can be overtaken."""

    tier: dict[Tier, float] = field(default_factory=_default_tier_offsets)
    open_complaint: float = 60.0
    at_risk_customer: float = 45.0
    sla_at_risk: float = 90.0
    key_account: float = 60.0
    max_total: float = 600.0

    def total(self, tier: Tier, boosts: Boosts) -> float:
        offset = self.tier.get(tier, 0.0)
        if boosts.open_complaint:
            offset += self.open_complaint
        if boosts.at_risk_customer:
            offset += self.at_risk_customer
        if boosts.sla_at_risk:
            offset += self.sla_at_risk
        if boosts.key_account:
            offset += self.key_account
        return min(offset, self.max_total)


def priority_key(arrived_at: float, tier: Tier, boosts: Boosts, offsets: PriorityOffsets) -> float:
    """Smaller keys are served first."""
    return arrived_at - offsets.total(tier, boosts)

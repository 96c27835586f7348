"""Customer value: one score from realised, potential and model value minus the cost to serve, and the tiers,
key-account flag and relationship class derived from it.

The service level follows the customer's value, so everything the router orders by starts here. The figures
are recomputed off the hot path (a scheduled job); the router only ever sees the resulting ``Tier`` and flags.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum


class Tier(IntEnum):
    """Higher is more valuable; the integer order is what the queue uses."""

    BRONZE = 0
    SILVER = 1
    GOLD = 2
    PLATINUM = 3


@dataclass(frozen=True, slots=True)
class ValueWeights:
    """How much each part of value counts. Money is in one currency unit throughout.

    Potential value is discounted because it is a forecast; model value (referrals, reviews) is discounted
    further because its money equivalent is the least certain of the three.
    """

    realised: float = 1.0
    potential: float = 0.5
    model: float = 0.3
    cost_per_contact: float = 5.0
    cost_per_handling_minute: float = 1.0
    cost: float = 1.0


@dataclass(frozen=True, slots=True)
class CustomerValueInputs:
    realised: float = 0.0
    potential: float = 0.0
    model: float = 0.0
    contacts_handled: int = 0
    handling_minutes: float = 0.0
    discounts: float = 0.0
    compensation: float = 0.0


def cost_to_serve(inputs: CustomerValueInputs, weights: ValueWeights = ValueWeights()) -> float:
    """Every handled contact makes a customer more expensive, as do the concessions made to them."""
    return (
        inputs.contacts_handled * weights.cost_per_contact
        + inputs.handling_minutes * weights.cost_per_handling_minute
        + inputs.discounts
        + inputs.compensation
    )


def value_score(inputs: CustomerValueInputs, weights: ValueWeights = ValueWeights()) -> float:
    return (
        weights.realised * inputs.realised
        + weights.potential * inputs.potential
        + weights.model * inputs.model
        - weights.cost * cost_to_serve(inputs, weights)
    )


@dataclass(frozen=True, slots=True)
class TierThresholds:
    """Absolute score floors, for businesses that prefer stable tiers over relative ones."""

    platinum: float = 10_000.0
    gold: float = 2_500.0
    silver: float = 500.0


def tier_by_threshold(score: float, thresholds: TierThresholds = TierThresholds()) -> Tier:
    if score >= thresholds.platinum:
        return Tier.PLATINUM
    if score >= thresholds.gold:
        return Tier.GOLD
    if score >= thresholds.silver:
        return Tier.SILVER
    return Tier.BRONZE


@dataclass(frozen=True, slots=True)
class TierShares:
    """Shares of the customer base per tier, from the top.

    The defaults follow the 80/20 rule of thumb: platinum and gold together are the top 20 % that carry most
    of the profit, split 5 + 15 so the very top still stands out; silver is the next 30 %, bronze the
    remaining half.
    """

    platinum: float = 0.05
    gold: float = 0.15
    silver: float = 0.30

    def __post_init__(self) -> None:
        shares = (self.platinum, self.gold, self.silver)
        if any(share < 0 for share in shares) or sum(shares) > 1.0 + 1e-9:
            raise ValueError("tier shares must be non-negative and add up to at most 1")


def tiers_by_percentile(scores: Mapping[int, float], shares: TierShares = TierShares()) -> dict[int, Tier]:
    """Rank customers by score and cut the ranking at the configured shares.

    Ties at a cut go to the higher tier so equal customers never land in different tiers; the id breaks ties
    only for the ranking order, never for the tier.
    """
    ranked: Sequence[tuple[int, float]] = sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))
    count = len(ranked)
    cuts = (
        (Tier.PLATINUM, math.ceil(count * shares.platinum)),
        (Tier.GOLD, math.ceil(count * (shares.platinum + shares.gold))),
        (Tier.SILVER, math.ceil(count * (shares.platinum + shares.gold + shares.silver))),
    )
    floors: list[tuple[Tier, float]] = [(tier, ranked[rank - 1][1]) for tier, rank in cuts if rank > 0]
    result: dict[int, Tier] = {}
    for customer_id, score in ranked:
        result[customer_id] = next((tier for tier, floor in floors if score >= floor), Tier.BRONZE)
    return result


@dataclass(frozen=True, slots=True)
class KeyAccountRule:
    """Key accounts are high in frequency, volume and margin at once; a very high score alone also
    qualifies."""

    min_orders_per_year: float = 12.0
    min_yearly_revenue: float = 50_000.0
    min_margin_rate: float = 0.15
    min_score: float = 25_000.0


def is_key_account(
    score: float,
    orders_per_year: float,
    yearly_revenue: float,
    margin_rate: float,
    rule: KeyAccountRule = KeyAccountRule(),
) -> bool:
    if score >= rule.min_score:
        return True
    return (
        orders_per_year >= rule.min_orders_per_year
        and yearly_revenue >= rule.min_yearly_revenue
        and margin_rate >= rule.min_margin_rate
    )


class RelationshipClass(StrEnum):
    PROSPECT = "prospect"
    NEW = "new"
    LONG_TERM = "long_term"
    AT_RISK = "at_risk"
    FORMER = "former"


@dataclass(frozen=True, slots=True)
class RelationshipRule:
    new_for: timedelta = timedelta(days=90)
    at_risk_after_silence: timedelta = timedelta(days=180)
    former_after_silence: timedelta = timedelta(days=365)
    churn_signals_for_at_risk: int = 1


def relationship_class(
    now: datetime,
    first_order_at: datetime | None,
    last_order_at: datetime | None,
    churn_signals: int = 0,
    rule: RelationshipRule = RelationshipRule(),
) -> RelationshipClass:
    """Classify from order history and churn signals (complaints left open, cancelled plans, competitor
    mentions).

    Someone who never ordered is a prospect however long they have been in touch; silence long enough means
    the customer has left, and before that, silence or churn signals mark them at risk.
    """
    if first_order_at is None or last_order_at is None:
        return RelationshipClass.PROSPECT
    silence = now - last_order_at
    if silence >= rule.former_after_silence:
        return RelationshipClass.FORMER
    if churn_signals >= rule.churn_signals_for_at_risk or silence >= rule.at_risk_after_silence:
        return RelationshipClass.AT_RISK
    if now - first_order_at < rule.new_for:
        return RelationshipClass.NEW
    return RelationshipClass.LONG_TERM

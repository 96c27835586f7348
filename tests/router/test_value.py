from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from router.value import (
    CustomerValueInputs,
    KeyAccountRule,
    RelationshipClass,
    Tier,
    TierShares,
    TierThresholds,
    ValueWeights,
    cost_to_serve,
    is_key_account,
    relationship_class,
    tier_by_threshold,
    tiers_by_percentile,
    value_score,
)

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def test_cost_to_serve_grows_with_each_contact_and_concession() -> None:
    weights = ValueWeights(cost_per_contact=5.0, cost_per_handling_minute=1.0)
    quiet = CustomerValueInputs(contacts_handled=1, handling_minutes=4.0)
    demanding = CustomerValueInputs(contacts_handled=3, handling_minutes=30.0, discounts=20.0, compensation=10.0)
    assert cost_to_serve(quiet, weights) == 9.0
    assert cost_to_serve(demanding, weights) == 15.0 + 30.0 + 20.0 + 10.0


def test_value_score_weights_three_parts_and_subtracts_cost() -> None:
    weights = ValueWeights(realised=1.0, potential=0.5, model=0.25, cost_per_contact=10.0, cost=1.0)
    inputs = CustomerValueInputs(realised=1000.0, potential=400.0, model=100.0, contacts_handled=2)
    assert value_score(inputs, weights) == 1000.0 + 200.0 + 25.0 - 20.0


def test_expensive_customer_can_score_below_zero() -> None:
    inputs = CustomerValueInputs(realised=10.0, contacts_handled=10)
    assert value_score(inputs) < 0


@pytest.mark.parametrize(
    ("score", "tier"),
    [
        (20_000.0, Tier.PLATINUM),
        (10_000.0, Tier.PLATINUM),
        (2_500.0, Tier.GOLD),
        (600.0, Tier.SILVER),
        (499.0, Tier.BRONZE),
        (-5.0, Tier.BRONZE),
    ],
)
def test_tier_by_threshold(score: float, tier: Tier) -> None:
    assert tier_by_threshold(score, TierThresholds()) is tier


def test_percentile_tiers_follow_default_pareto_shares() -> None:
    scores = {customer: float(customer) for customer in range(1, 101)}
    tiers = tiers_by_percentile(scores)
    counts = {tier: sum(1 for value in tiers.values() if value is tier) for tier in Tier}
    assert counts == {Tier.PLATINUM: 5, Tier.GOLD: 15, Tier.SILVER: 30, Tier.BRONZE: 50}
    assert tiers[100] is Tier.PLATINUM
    assert tiers[1] is Tier.BRONZE


def test_equal_scores_at_a_cut_share_the_higher_tier() -> None:
    scores = {1: 50.0, 2: 50.0, 3: 10.0, 4: 5.0}
    tiers = tiers_by_percentile(scores, TierShares(platinum=0.25, gold=0.0, silver=0.0))
    assert tiers[1] is tiers[2] is Tier.PLATINUM
    assert tiers[3] is Tier.BRONZE


def test_percentiles_of_nobody_are_empty() -> None:
    assert tiers_by_percentile({}) == {}


def test_tier_shares_must_not_exceed_everyone() -> None:
    with pytest.raises(ValueError, match="shares"):
        TierShares(platinum=0.5, gold=0.4, silver=0.2)


def test_key_account_needs_frequency_volume_and_margin_together() -> None:
    rule = KeyAccountRule(min_orders_per_year=12, min_yearly_revenue=50_000, min_margin_rate=0.15, min_score=1e9)
    assert is_key_account(0.0, 24, 80_000, 0.2, rule)
    assert not is_key_account(0.0, 24, 80_000, 0.05, rule)
    assert not is_key_account(0.0, 2, 80_000, 0.2, rule)


def test_very_high_score_alone_makes_a_key_account() -> None:
    assert is_key_account(30_000.0, 0, 0, 0, KeyAccountRule(min_score=25_000.0))


def test_relationship_classes() -> None:
    assert relationship_class(NOW, None, None) is RelationshipClass.PROSPECT
    assert relationship_class(NOW, NOW - timedelta(days=30), NOW - timedelta(days=2)) is RelationshipClass.NEW
    long_ago = NOW - timedelta(days=900)
    assert relationship_class(NOW, long_ago, NOW - timedelta(days=10)) is RelationshipClass.LONG_TERM
    assert relationship_class(NOW, long_ago, NOW - timedelta(days=200)) is RelationshipClass.AT_RISK
    assert relationship_class(NOW, long_ago, NOW - timedelta(days=400)) is RelationshipClass.FORMER


def test_churn_signals_mark_even_an_active_customer_at_risk() -> None:
    recent = NOW - timedelta(days=3)
    assert relationship_class(NOW, NOW - timedelta(days=800), recent, churn_signals=2) is RelationshipClass.AT_RISK

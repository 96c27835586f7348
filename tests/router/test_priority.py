from __future__ import annotations

from router.priority import Boosts, PriorityOffsets, priority_key
from router.value import Tier


def test_higher_tier_gets_an_earlier_key() -> None:
    offsets = PriorityOffsets()
    assert priority_key(1000.0, Tier.PLATINUM, Boosts(), offsets) < priority_key(1000.0, Tier.BRONZE, Boosts(), offsets)


def test_a_long_wait_beats_a_tier_offset() -> None:
    offsets = PriorityOffsets(tier={Tier.PLATINUM: 120.0, Tier.BRONZE: 0.0})
    old_bronze = priority_key(0.0, Tier.BRONZE, Boosts(), offsets)
    new_platinum = priority_key(200.0, Tier.PLATINUM, Boosts(), offsets)
    assert old_bronze < new_platinum


def test_boosts_add_up_and_are_capped() -> None:
    offsets = PriorityOffsets(
        tier={Tier.BRONZE: 0.0},
        open_complaint=60.0,
        at_risk_customer=45.0,
        sla_at_risk=90.0,
        key_account=60.0,
        max_total=200.0,
    )
    assert offsets.total(Tier.BRONZE, Boosts(open_complaint=True, at_risk_customer=True)) == 105.0
    everything = Boosts(open_complaint=True, at_risk_customer=True, sla_at_risk=True, key_account=True)
    assert offsets.total(Tier.BRONZE, everything) == 200.0


def test_active_boost_names() -> None:
    assert Boosts(open_complaint=True, sla_at_risk=True).active() == ("open_complaint", "sla_at_risk")
    assert Boosts().active() == ()


def test_unknown_tier_has_no_offset() -> None:
    assert PriorityOffsets(tier={}).total(Tier.GOLD, Boosts()) == 0.0

from __future__ import annotations

import pytest

from inbox.routing_settings import RoutingSection
from inbox.settings import ConfigurationError, load_settings
from router import RouterPolicy, SelectionStrategy


def test_the_checked_in_defaults_are_the_routers_own() -> None:
    policy = load_settings().routing.policy()
    default = RouterPolicy()
    assert policy.strategy is SelectionStrategy.LONGEST_IDLE
    assert policy.synchronous_channels == frozenset({"phone", "webchat"})
    assert (policy.offer_timeout_seconds, policy.owner_preference_seconds) == (20.0, 120.0)
    assert (policy.team_preference_seconds, policy.skill_preference_seconds) == (300.0, 900.0)
    assert (policy.reserve_for_synchronous, policy.spare_blended_agents) == (
        default.reserve_for_synchronous,
        default.spare_blended_agents,
    )


def test_environment_variables_override_the_routing_section(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_ROUTING__STRATEGY", "least_busy")
    monkeypatch.setenv("HUB_ROUTING__OFFER_TIMEOUT_SECONDS", "35")
    monkeypatch.setenv("HUB_ROUTING__SYNCHRONOUS_CHANNELS", '["phone"]')
    monkeypatch.setenv("HUB_ROUTING__OWNER_PREFERENCE_SECONDS", "0")
    monkeypatch.setenv("HUB_ROUTING__SKILL_PREFERENCE_SECONDS", "never")
    policy = load_settings().routing.policy()
    assert policy.strategy is SelectionStrategy.LEAST_BUSY
    assert policy.offer_timeout_seconds == 35.0
    assert policy.synchronous_channels == frozenset({"phone"})
    assert policy.owner_preference_seconds == 0.0
    # "never" holds the skill ring for good: the router's None.
    assert policy.skill_preference_seconds is None


def test_most_available_is_a_strategy_too() -> None:
    assert RoutingSection(strategy="most_available").policy().strategy is SelectionStrategy.MOST_AVAILABLE


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        ("HUB_ROUTING__STRATEGY", "fastest", "routing.strategy: "),
        ("HUB_ROUTING__OFFER_TIMEOUT_SECONDS", "0", "routing.offer_timeout_seconds: "),
        ("HUB_ROUTING__SYNCHRONOUS_CHANNELS", '["phone", "pigeon"]', "unknown channel pigeon"),
        ("HUB_ROUTING__TEAM_PREFERENCE_SECONDS", "-5", 'or "never"'),
        ("HUB_ROUTING__TEAM_PREFERENCE_SECONDS", "60", "team_preference_seconds (60.0) must not be shorter"),
        ("HUB_ROUTING__OWNER_PREFERENCE_SECONDS", "sometimes", "routing.owner_preference_seconds"),
    ],
)
def test_a_bad_routing_value_fails_loudly_with_where_and_why(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, said: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError) as error:
        load_settings()
    assert said in "\n".join(error.value.problems)


def test_a_ring_held_for_ever_ends_the_ordering_check() -> None:
    section = RoutingSection(owner_preference_seconds="never", team_preference_seconds=10)
    assert section.policy().owner_preference_seconds is None

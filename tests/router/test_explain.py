from __future__ import annotations

import json

import pytest

from router.explain import AgentVerdict, Decision, Explanation, Filter


def sample() -> Explanation:
    return Explanation(
        conversation_id=5,
        at=10.0,
        ring="skill",
        priority_key=-110.0,
        strategy="longest_idle",
        verdicts=(AgentVerdict(1, Filter.PRESENCE, detail="away"), AgentVerdict(2, None, 30.0, "skill")),
        chosen_agent_id=2,
        reason="longest_idle in ring",
        boosts=("open_complaint",),
        tier="platinum",
    )


def test_explanation_round_trips_through_json() -> None:
    decision = Decision(5, 2, True, sample())
    data = json.loads(json.dumps(decision.to_dict()))
    assert data["agent_id"] == 2
    assert data["offer"] is True
    assert data["explanation"]["verdicts"][0] == {
        "agent_id": 1,
        "removed_by": "presence",
        "score": None,
        "ring": None,
        "detail": "away",
    }
    assert data["explanation"]["boosts"] == ["open_complaint"]


def test_candidates_and_filter_lookup() -> None:
    explanation = sample()
    assert [verdict.agent_id for verdict in explanation.candidates] == [2]
    assert explanation.removed_by(1) == Filter.PRESENCE
    assert explanation.removed_by(2) is None
    with pytest.raises(KeyError):
        explanation.removed_by(99)

"""Why a conversation is where it is: the router's latest decision about it and the latest hand-over by a person,
read from the audit trail and put into words for the conversation page. Read-only."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inbox.models import Agent, Event, Team

FILTER_WORDS = {
    "unknown_agent": "not known to the router",
    "presence": "not available",
    "off_shift": "off shift",
    "on_break": "on a break",
    "channel": "do not take this channel",
    "language": "do not speak the customer's language",
    "declined": "declined it",
    "ring": "outside the ring tried",
    "capacity": "at capacity",
    "reserved": "kept free for older calls or chats",
}


@dataclass(frozen=True, slots=True)
class RoutingStory:
    decided_at: datetime | None
    assigned_to: str | None
    lines: tuple[str, ...]
    manual_at: datetime | None
    manual_line: str | None


def _explanation(data: dict[str, Any]) -> dict[str, Any]:
    found = data.get("explanation")
    if not isinstance(found, dict):
        return {}
    # A whole decision carries its explanation one level down.
    nested = found.get("explanation")
    return nested if isinstance(nested, dict) else found


def _decision_lines(data: dict[str, Any], names: dict[int, str]) -> list[str]:
    explanation = _explanation(data)
    lines: list[str] = []
    if explanation.get("reason"):
        lines.append(str(explanation["reason"]))
    facts = []
    if explanation.get("tier"):
        facts.append(f"tier {explanation['tier']}")
    if explanation.get("ring"):
        facts.append(f"ring {explanation['ring']}")
    if explanation.get("strategy"):
        facts.append(f"strategy {explanation['strategy']}")
    boosts = explanation.get("boosts") or []
    if boosts:
        facts.append("boosted for " + ", ".join(str(b) for b in boosts))
    if facts:
        lines.append("; ".join(facts))
    verdicts = [v for v in explanation.get("verdicts") or [] if isinstance(v, dict)]
    removed = Counter(str(v["removed_by"]) for v in verdicts if v.get("removed_by"))
    for reason, count in removed.most_common():
        lines.append(f"{count} {'agent' if count == 1 else 'agents'} {FILTER_WORDS.get(reason, reason)}")
    candidates = sorted(
        (v for v in verdicts if not v.get("removed_by") and v.get("score") is not None),
        key=lambda v: -float(v["score"]),
    )
    if candidates:
        ranked = ", ".join(
            f"{names.get(int(v['agent_id']), '#' + str(v['agent_id']))} ({float(v['score']):.2f})"
            for v in candidates[:3]
        )
        lines.append(f"best candidates: {ranked}")
    if data.get("claim") or explanation.get("claim"):
        lines.append(str(data.get("claim") or explanation.get("claim")))
    return lines


def _agent_ids(decision: Event | None, manual: Event | None) -> set[int]:
    """Only the people the story names: the chosen agent, the best candidates, who handed it over and to whom."""
    ids: set[int] = set()
    if decision is not None:
        data = dict(decision.data or {})
        if data.get("agent_id") is not None:
            ids.add(int(data["agent_id"]))
        verdicts = [v for v in _explanation(data).get("verdicts") or [] if isinstance(v, dict)]
        scored = sorted(
            (v for v in verdicts if not v.get("removed_by") and v.get("score") is not None),
            key=lambda v: -float(v["score"]),
        )
        ids.update(int(v["agent_id"]) for v in scored[:3])
    if manual is not None:
        if manual.actor_agent_id is not None:
            ids.add(manual.actor_agent_id)
        after = dict((manual.data or {}).get("after") or {})
        if after.get("agent_id") is not None:
            ids.add(int(after["agent_id"]))
    return ids


async def _names(session: AsyncSession, model: type[Agent] | type[Team], ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    found = await session.execute(select(model.id, model.name).where(model.id.in_(sorted(ids))))
    return {int(i): str(n) for i, n in found.all()}


async def routing_story(session: AsyncSession, conversation_id: int) -> RoutingStory | None:
    decision = (
        await session.execute(
            select(Event)
            .where(Event.conversation_id == conversation_id, Event.kind == "routing.decision")
            .order_by(Event.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    manual = (
        await session.execute(
            select(Event)
            .where(Event.conversation_id == conversation_id, Event.kind == "conversation.assigned")
            .order_by(Event.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    if decision is None and manual is None:
        return None
    names = await _names(session, Agent, _agent_ids(decision, manual))
    team_id = ((manual.data or {}).get("after") or {}).get("team_id") if manual is not None else None
    teams = await _names(session, Team, {int(team_id)} if team_id is not None else set())
    assigned_to = None
    lines: list[str] = []
    if decision is not None:
        data = dict(decision.data or {})
        agent_id = data.get("agent_id")
        assigned_to = names.get(int(agent_id)) if data.get("assigned") and agent_id is not None else None
        lines = _decision_lines(data, names)
    manual_line = None
    if manual is not None:
        after = dict((manual.data or {}).get("after") or {})
        who = names.get(manual.actor_agent_id) if manual.actor_agent_id else "the hub"
        to_agent = names.get(int(after["agent_id"])) if after.get("agent_id") is not None else "the queue"
        team = teams.get(int(after["team_id"])) if after.get("team_id") is not None else None
        manual_line = f"{who} gave it to {to_agent}" + (f" ({team})" if team else "")
        note = (manual.data or {}).get("note")
        if note:
            manual_line += f": {note}"
    return RoutingStory(
        decided_at=decision.created_at if decision is not None else None,
        assigned_to=assigned_to,
        lines=tuple(lines),
        manual_at=manual.created_at if manual is not None else None,
        manual_line=manual_line,
    )

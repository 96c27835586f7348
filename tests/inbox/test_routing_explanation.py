from __future__ import annotations

from inbox.models import Event
from inbox.routing_explanation import routing_story
from tests.support.web import build_world
from workers.context import JobContext


async def test_the_routers_decision_is_put_into_words(ctx: JobContext) -> None:
    world = await build_world(ctx)
    conversation_id = world.conversations["shared_queue"]
    async with ctx.store.read() as session:
        assert await routing_story(session, conversation_id) is None
    chen, marcus, zhao = world.people["chen"], world.people["marcus"], world.people["zhao"]
    explanation = {
        "conversation_id": conversation_id,
        "agent_id": chen,
        "offer": False,
        "explanation": {
            "ring": "team",
            "tier": "silver",
            "strategy": "least_busy",
            "boosts": ["complaint"],
            "reason": "the least busy agent of the team",
            "verdicts": [
                {"agent_id": chen, "removed_by": None, "score": 0.9},
                {"agent_id": marcus, "removed_by": None, "score": 0.4},
                {"agent_id": zhao, "removed_by": "capacity", "score": None},
            ],
        },
    }
    # The shape the router's claim writes to the audit trail (see ``inbox.actions.assign``).
    async with ctx.store.write() as session:
        session.add(
            Event(
                kind="routing.decision",
                conversation_id=conversation_id,
                data={"agent_id": chen, "assigned": True, "explanation": explanation},
            )
        )
    async with ctx.store.read() as session:
        story = await routing_story(session, conversation_id)
    assert story is not None and story.assigned_to == "Chen" and story.manual_line is None
    assert story.lines == (
        "the least busy agent of the team",
        "tier silver; ring team; strategy least_busy; boosted for complaint",
        "1 agent at capacity",
        "best candidates: Chen (0.90), Marcus (0.40)",
    )

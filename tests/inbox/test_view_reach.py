from __future__ import annotations

from sqlalchemy import ColumnElement, select, true

from inbox.access import Viewer, conversation_scope, load_viewer
from inbox.models import Conversation
from inbox.view_reach import View, view_reach
from tests.support.web import STAFF, build_world
from workers.context import JobContext


def _plain_view(viewer: Viewer, view: View) -> ColumnElement[bool]:
    """The views as they read in the product's terms, before any simplification."""
    if view is View.MINE:
        return Conversation.assignee_id == viewer.agent_id
    if view is View.UNASSIGNED:
        return Conversation.assignee_id.is_(None)
    if view is View.TEAMS:
        return Conversation.team_id.in_(viewer.team_ids)
    return true()


async def test_each_view_reaches_exactly_the_scope_within_the_view(ctx: JobContext) -> None:
    world = await build_world(ctx)
    people, teams = world.people, world.teams
    # Beyond the world's six: people holding work outside their own team, or in no team at all.
    odd_cases = [
        (people["chen"], teams["Billing"]),
        (people["olivia"], None),
        (people["marcus"], None),
        (people["sofia"], teams["Front desk"]),
    ]
    async with ctx.store.write() as session:
        template = await session.get(Conversation, world.conversations["shared_queue"])
        assert template is not None
        for number, (assignee, team) in enumerate(odd_cases):
            session.add(
                Conversation(
                    contact_id=template.contact_id,
                    channel="email",
                    status="resolved" if number % 2 else "open",
                    assignee_id=assignee,
                    team_id=team,
                    reply_token=f"reach-{number}",
                )
            )
    checked = 0
    async with ctx.store.read() as session:
        for name, _role, _teams in STAFF:
            viewer = await load_viewer(session, people[name])
            assert viewer is not None
            for view in View:
                expected = await session.execute(
                    select(Conversation.id).where(conversation_scope(viewer), _plain_view(viewer, view))
                )
                reached = await session.execute(select(Conversation.id).where(view_reach(viewer, view)))
                assert set(reached.scalars()) == set(expected.scalars()), (name, view)
                checked += 1
    assert checked == len(STAFF) * len(View)

"""Who may hear a live event: the three levels of visibility of ``inbox.access``, decided in memory.

A websocket hears every event of the process's feed; asking the store for each event and each listener would
cost a query per agent per event. Instead the feed looks up a conversation's place (assignee and team) once per
event, and each listener's audience decides here from what it loaded when it connected. The rules are the same
as ``inbox.access.conversation_scope``; a test checks the two agree on every role and conversation.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inbox.access import ROLE_SUPERVISOR, Viewer
from inbox.models import agent_teams


@dataclass(frozen=True, slots=True)
class Place:
    """Where a conversation sits: whose it is and which team's queue it belongs to."""

    assignee_id: int | None
    team_id: int | None


@dataclass(frozen=True, slots=True)
class Audience:
    viewer: Viewer
    # For a supervisor: everyone in their teams, whose conversations they oversee wherever they are filed.
    team_members: frozenset[int] = frozenset()

    def sees(self, place: Place) -> bool:
        viewer = self.viewer
        if not viewer.reads_conversations:
            return False
        if viewer.sees_everything:
            return True
        waiting = place.assignee_id is None
        if place.assignee_id == viewer.agent_id or (waiting and place.team_id is None):
            return True
        if viewer.role == ROLE_SUPERVISOR:
            return place.team_id in viewer.team_ids or place.assignee_id in self.team_members
        return waiting and place.team_id in viewer.team_ids

    def sees_any(self, places: list[Place]) -> bool:
        return any(self.sees(place) for place in places)


async def audience_of(session: AsyncSession, viewer: Viewer) -> Audience:
    if viewer.role != ROLE_SUPERVISOR or not viewer.team_ids:
        return Audience(viewer)
    members = await session.execute(
        select(agent_teams.c.agent_id).where(agent_teams.c.team_id.in_(list(viewer.team_ids)))
    )
    return Audience(viewer, frozenset(int(agent) for agent in members.scalars()))

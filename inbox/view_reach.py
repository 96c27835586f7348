"""Each inbox view's share of what a viewer may read, as one WHERE clause an index can serve.

``access.conversation_scope`` AND-ed with a view's own condition is correct but hard on the planner: an OR of
three or four branches, most of them contradicting the view (``assignee = me`` inside Unassigned), turns a walk
of one index range into a bitmap over every waiting conversation. Here the intersection is written out per role,
so Mine is one index range (assignee = me), Unassigned one or two (assignee IS NULL, team in the viewer's teams
or none). The result is the same set as the generic intersection; tests/inbox/test_view_reach.py checks it for
every role and view.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ColumnElement, and_, false, or_, true

from inbox.access import ROLE_SUPERVISOR, Viewer, conversation_scope
from inbox.models import Conversation


class View(StrEnum):
    MINE = "mine"
    UNASSIGNED = "unassigned"
    TEAMS = "teams"
    ALL = "all"


def view_reach(viewer: Viewer, view: View) -> ColumnElement[bool]:
    """``conversation_scope(viewer)`` AND the view's condition, simplified for this viewer's role."""
    if not viewer.reads_conversations:
        return false()
    waiting = Conversation.assignee_id.is_(None)
    own = Conversation.assignee_id == viewer.agent_id
    in_teams = Conversation.team_id.in_(viewer.team_ids)
    if view is View.MINE:
        # Whatever one holds is within one's reach, in every role.
        return own
    if view is View.UNASSIGNED:
        if viewer.sees_everything:
            return waiting
        # Agents and supervisors alike: their teams' waiting work and the shared queue no team has claimed.
        return and_(waiting, or_(Conversation.team_id.is_(None), in_teams))
    if view is View.TEAMS:
        if viewer.sees_everything or viewer.role == ROLE_SUPERVISOR:
            return in_teams
        return and_(in_teams, or_(own, waiting))
    return true() if viewer.sees_everything else conversation_scope(viewer)

"""Who may see what: the three levels of visibility over the customer archive, in one place.

- an **agent** sees the conversations assigned to them and the waiting (unassigned) work of their teams, plus
  the shared queue of conversations no team has claimed yet;
- a **supervisor** sees everything of their teams: the teams' queues and whatever their members hold;
- an **admin** sees everything;
- a **marketer** works on segments and campaigns and sees no conversation at all.

Every page and API call asks this module; a conversation outside one's reach is treated as if it did not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from inbox.models import Agent, Attachment, Contact, Conversation, Message, agent_teams

ROLE_AGENT = "agent"
ROLE_SUPERVISOR = "supervisor"
ROLE_ADMIN = "admin"
ROLE_MARKETER = "marketer"


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in person a request acts for."""

    agent_id: int
    name: str
    email: str
    role: str
    team_ids: frozenset[int]

    @property
    def reads_conversations(self) -> bool:
        return self.role in (ROLE_AGENT, ROLE_SUPERVISOR, ROLE_ADMIN)

    @property
    def sees_everything(self) -> bool:
        return self.role == ROLE_ADMIN

    @property
    def oversees_teams(self) -> bool:
        return self.role in (ROLE_SUPERVISOR, ROLE_ADMIN)


async def load_viewer(session: AsyncSession, agent_id: int) -> Viewer | None:
    """The viewer for an active agent, or None when the account is gone or switched off."""
    agent = await session.get(Agent, agent_id)
    if agent is None or not agent.active:
        return None
    teams = await session.execute(select(agent_teams.c.team_id).where(agent_teams.c.agent_id == agent_id))
    return Viewer(agent.id, agent.name, agent.email, agent.role, frozenset(int(t) for t in teams.scalars()))


def conversation_scope(viewer: Viewer) -> ColumnElement[bool]:
    """A WHERE clause limiting conversations to those the viewer may read."""
    if not viewer.reads_conversations:
        return false()
    if viewer.sees_everything:
        return true()
    waiting = Conversation.assignee_id.is_(None)
    shared_queue = and_(waiting, Conversation.team_id.is_(None))
    own = Conversation.assignee_id == viewer.agent_id
    if viewer.role == ROLE_SUPERVISOR:
        members = select(agent_teams.c.agent_id).where(agent_teams.c.team_id.in_(viewer.team_ids))
        return or_(own, shared_queue, Conversation.team_id.in_(viewer.team_ids), Conversation.assignee_id.in_(members))
    return or_(own, shared_queue, and_(waiting, Conversation.team_id.in_(viewer.team_ids)))


async def visible_conversation(session: AsyncSession, viewer: Viewer, conversation_id: int) -> Conversation | None:
    result = await session.execute(
        select(Conversation).where(Conversation.id == conversation_id, conversation_scope(viewer))
    )
    return result.scalar_one_or_none()


async def visible_contact(session: AsyncSession, viewer: Viewer, contact_id: int) -> Contact | None:
    """A customer record is visible to its owner and to whoever may read one of its conversations."""
    contact = await session.get(Contact, contact_id)
    if contact is None or not viewer.reads_conversations:
        return None
    if viewer.sees_everything or contact.owner_agent_id == viewer.agent_id:
        return contact
    reachable = await session.execute(
        select(Conversation.id).where(Conversation.contact_id == contact_id, conversation_scope(viewer)).limit(1)
    )
    return contact if reachable.scalar_one_or_none() is not None else None


async def visible_attachment(session: AsyncSession, viewer: Viewer, attachment_id: int) -> Attachment | None:
    """An attachment is as visible as the conversation its message belongs to."""
    result = await session.execute(
        select(Attachment)
        .join(Message, Message.id == Attachment.message_id)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(Attachment.id == attachment_id, conversation_scope(viewer))
    )
    return result.scalar_one_or_none()

"""How staff work together on conversations: canned responses, and notifications such as an @mention in a note.

Private notes need no table of their own: they are messages with direction ``internal`` and kind ``note``, which the
send path never claims (their delivery status is ``internal``, never ``queued``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from inbox.models.base import Base, BigId, UTCDateTime, utcnow


class CannedResponse(Base):
    """A prepared answer with customer variables, written by supervisors and admins, inserted by agents."""

    __tablename__ = "canned_responses"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # What agents pick it by, e.g. "delay-apology"; unique so a shortcut always means one text.
    shortcut: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    # Jinja2 source, rendered in a sandbox with the customer's non-sensitive variables.
    body: Mapped[str] = mapped_column(Text)
    # None: offered to everyone; otherwise only to that team's members (and to admins).
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Notification(Base):
    """Something a member of staff should look at, e.g. being @mentioned in a note. One per person and message,
    so storing the same mention twice notifies once."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("agent_id", "message_id", "kind"),
        Index("ix_notifications_agent_read", "agent_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    actor_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    # A short line for the list (who mentioned you, where); never customer data beyond the conversation's subject.
    summary: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

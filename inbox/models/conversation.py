"""A conversation: one matter between a customer and the business, on one or more channels."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from inbox.models.base import Base, BigId, JsonDocument, UTCDateTime, utcnow


class ConversationStatus(StrEnum):
    OPEN = "open"
    PENDING = "pending"
    SNOOZED = "snoozed"
    RESOLVED = "resolved"


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (
        Index("ix_conversations_status_assignee", "status", "assignee_id"),
        Index("ix_conversations_contact_last", "contact_id", "last_message_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=ConversationStatus.OPEN.value)
    priority: Mapped[int] = mapped_column(default=0)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    labels: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    subject: Mapped[str | None] = mapped_column(Text)
    # The secret part of the conversation's reply address (reply+<token>@…); a reply to it threads here.
    reply_token: Mapped[str] = mapped_column(String(64), unique=True)
    # A channel's own notion of one exchange (a call's id, a chat session): its messages share a conversation.
    session_key: Mapped[str | None] = mapped_column(String(200), index=True)
    is_complaint: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The customer's tier as the inbox serves it: 0 platinum, 1 gold, 2 silver, 3 bronze and any other. Written by
    # the store's triggers (migration 0008) whenever the conversation or its customer's tier changes.
    tier_rank: Mapped[int] = mapped_column(SmallInteger, server_default=text("3"))

"""Service recovery: complaint cases with their recovery deadline, remedies given, follow-up visits booked after
a complaint is resolved, and repeat contacts about a problem already raised."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from inbox.models.base import Base, BigId, UTCDateTime, utcnow


class ComplaintCase(Base):
    """One per complaint conversation: what flagged it and by when it must be recovered (resolved)."""

    __tablename__ = "complaint_cases"
    __table_args__ = (Index("ix_complaint_cases_open_due", "recovered_at", "recovery_due_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), unique=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    # The configured signal that matched ("refund", "投诉"), or "agent" when an agent flagged it by hand.
    signal: Mapped[str] = mapped_column(String(100))
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recovery_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recovered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RemedyGiven(Base):
    """A standard remedy an agent chose for a conversation (an apology, a refund, a voucher …)."""

    __tablename__ = "remedies_given"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    # Kept with the customer so the customer's export carries it and an erasure takes it (the note is personal).
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    remedy: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FollowUpStatus:
    PENDING = "pending"
    DONE = "done"


class FollowUp(Base):
    """A return visit booked when a complaint is resolved, owned by the agent who resolved it."""

    __tablename__ = "follow_ups"
    __table_args__ = (Index("ix_follow_ups_agent_status_due", "agent_id", "status", "due_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # One per resolution: "<conversation id>:<resolution time>", so a repeated resolve hook books nothing twice.
    key: Mapped[str] = mapped_column(String(100), unique=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default=FollowUpStatus.PENDING)
    outcome: Mapped[str] = mapped_column(Text, default="")
    reschedules: Mapped[int] = mapped_column(default=0)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RepeatContact(Base):
    """A new contact about a problem already raised: linked to the original conversation, with the reason."""

    __tablename__ = "repeat_contacts"
    __table_args__ = (UniqueConstraint("conversation_id", "original_conversation_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    original_conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text)
    # "detected" on arrival, or "agent" when an agent recorded it.
    source: Mapped[str] = mapped_column(String(20))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

"""Satisfaction surveys: one per resolution of a conversation, asked on the customer's channel."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from inbox.models.base import Base, BigId, UTCDateTime, utcnow


class SurveyStatus:
    SENT = "sent"
    ANSWERED = "answered"
    # Not asked, with the reason (opted out, no address on the channel, a channel that cannot carry it).
    SKIPPED = "skipped"


class Survey(Base):
    __tablename__ = "surveys"
    __table_args__ = (
        # The reply-digit lookup: the newest survey sent to a customer on a channel.
        Index("ix_surveys_contact_channel_sent", "contact_id", "channel", "sent_at"),
        Index("ix_surveys_answered_at", "answered_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # "<conversation id>:<resolution time>": a survey job that runs twice finds its survey and sends nothing.
    key: Mapped[str] = mapped_column(String(100), unique=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    # The agent the answer is credited to: who held the conversation when it was resolved.
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    # Complaint handling is reported apart from ordinary service, as it was when the survey was asked.
    complaint: Mapped[bool] = mapped_column(default=False)
    language: Mapped[str] = mapped_column(String(16), default="en")
    status: Mapped[str] = mapped_column(String(20), default=SurveyStatus.SENT)
    skip_reason: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Answers are taken (and later ones update the first) until this time.
    answer_until: Mapped[datetime] = mapped_column(UTCDateTime)
    score: Mapped[int | None] = mapped_column()
    comment: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_via: Mapped[str | None] = mapped_column(String(20))
    answer_updates: Mapped[int] = mapped_column(default=0)

"""Offers: a call or chat put to one agent, who has a short while to accept it.

A synchronous conversation (phone, chat) is not simply assigned: the customer is on the line, so the agent is
asked first. While the offer is open the conversation is held by the agent (its assignee), which reserves their
capacity and keeps every other router off it. A declined or expired offer releases it to wait again with its
original age (the priority key comes from when the customer wrote, which an offer never touches), and the row
stays as the record that this agent already said no during this wait.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from inbox.models.base import Base, BigId, UTCDateTime, utcnow


class OfferStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    # The conversation ended or was taken elsewhere before the agent answered.
    WITHDRAWN = "withdrawn"


class RoutingOffer(Base):
    __tablename__ = "routing_offers"
    __table_args__ = (
        # One offer per agent and wait: the store itself refuses to put the same wait to someone who refused it.
        UniqueConstraint("conversation_id", "agent_id", "waiting_since"),
        Index("ix_routing_offers_status_expires", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    # The conversation's last_message_at when offered: which wait the offer belongs to. A customer writing again
    # after the conversation was resolved starts a new wait, in which everyone may be asked again.
    waiting_since: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default=OfferStatus.OPEN.value)
    # Set to the conversation's id while the offer is open and cleared when it is answered: unique, so a
    # conversation is never offered to two agents at once, on either backend.
    open_conversation_id: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), unique=True
    )
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

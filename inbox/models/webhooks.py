"""Outgoing webhooks: the endpoints admins register, and every delivery of an event to one of them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from inbox.models.base import Base, BigId, JsonDocument, UTCDateTime, utcnow


class WebhookEndpoint(Base):
    """A URL that is told about events it subscribed to, each request signed with the endpoint's secret."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    # The signing key is needed in clear to sign, so it cannot be hashed; it is never shown again after creation.
    secret: Mapped[str] = mapped_column(String(200))
    # Event kinds, e.g. ["message.created", "conversation.assigned"].
    events: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    created_by_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    RETRYING = "retrying"
    SUCCEEDED = "succeeded"
    DEAD = "dead"


class WebhookDelivery(Base):
    """One event for one endpoint. The body is kept byte for byte, so every attempt and every manual redelivery
    sends exactly what the first one did (only the signature's timestamp changes)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "endpoint_id"),
        Index("ix_webhook_deliveries_endpoint_id_created_at", "endpoint_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(40))
    event_kind: Mapped[str] = mapped_column(String(60))
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    # The customer the body is about: erasing them removes these copies of their data too.
    contact_id: Mapped[int | None] = mapped_column(BigId, index=True)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=DeliveryStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(default=0)
    response_code: Mapped[int | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    # Bumped by a manual redelivery, so its outbox job gets a fresh key.
    generation: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

"""Operational tables: the audit trail, the transactional outbox, dead letters and quarantine."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from inbox.models.base import Base, BigId, JsonDocument, UTCDateTime, utcnow


class Event(Base):
    """The audit trail: who did what to which customer or conversation, append-only."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(60), index=True)
    actor_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    contact_id: Mapped[int | None] = mapped_column(BigId, index=True)
    conversation_id: Mapped[int | None] = mapped_column(BigId, index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutboxStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DISPATCHED = "dispatched"
    DONE = "done"
    DEAD = "dead"


class OutboxJob(Base):
    """A job written in the same transaction as the change that calls for it, so no crash can lose it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_run_after", "status", "run_after"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    job: Mapped[str] = mapped_column(String(60))
    # Derived from what the job acts on (send:42), so the same work is never queued twice.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    status: Mapped[str] = mapped_column(String(20), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(default=0)
    run_after: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DeadLetter(Base):
    """A job that failed for good or ran out of attempts; shown to supervisors, who may retry it."""

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    job: Mapped[str] = mapped_column(String(60))
    key: Mapped[str] = mapped_column(String(200), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retried_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Quarantine(Base):
    """Input that could not be turned into a message: the raw bytes are kept with the reason."""

    __tablename__ = "quarantine"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    raw_sha256: Mapped[str] = mapped_column(String(64), index=True)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SyncCursor(Base):
    """How far a poller got through an outside source (an IMAP mailbox's UIDVALIDITY and last UID), so a restart
    neither repeats nor skips anything."""

    __tablename__ = "sync_cursors"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    position: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

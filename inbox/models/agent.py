"""Agents, the teams they belong to, and what they can take on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inbox.models.base import Base, BigId, JsonDocument, UTCDateTime, utcnow

agent_teams = Table(
    "agent_teams",
    Base.metadata,
    Column("agent_id", BigId, ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True),
    Column("team_id", BigId, ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
)


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agents: Mapped[list[Agent]] = relationship(secondary=agent_teams, back_populates="teams")


class Agent(Base):
    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    # agent, supervisor, admin or marketer: the three-level visibility of the customer archive, plus marketing.
    role: Mapped[str] = mapped_column(String(20), default="agent")
    password_hash: Mapped[str | None] = mapped_column(String(200))
    presence: Mapped[str] = mapped_column(String(20), default="offline")
    skills: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    languages: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    # Concurrent conversations the agent can hold per channel; absent channels use the router's defaults.
    capacity: Mapped[dict[str, int]] = mapped_column(JsonDocument, default=dict)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    schedule: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    # Where a call for this agent rings: an E.164 number, or a Twilio Client identity for a browser or app.
    voice_identity: Mapped[str | None] = mapped_column(String(200))
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    idle_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    teams: Mapped[list[Team]] = relationship(secondary=agent_teams, back_populates="agents")

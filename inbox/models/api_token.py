"""API tokens: how scripts and integrations act as an agent on the REST API."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from inbox.models.base import Base, BigId, UTCDateTime, utcnow


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    # Only a digest is kept: a copy of the table cannot be replayed against the API. Tokens are long random
    # strings, so a plain SHA-256 is enough (a slow password hash would only slow every API call).
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters, shown in listings so an owner can tell their tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

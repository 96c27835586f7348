"""Appending to the audit trail inside the caller's unit of work."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from inbox.models import Event


def record(
    session: AsyncSession,
    kind: str,
    *,
    actor_agent_id: int | None = None,
    contact_id: int | None = None,
    conversation_id: int | None = None,
    **data: Any,
) -> None:
    session.add(
        Event(
            kind=kind,
            actor_agent_id=actor_agent_id,
            contact_id=contact_id,
            conversation_id=conversation_id,
            data=data,
        )
    )

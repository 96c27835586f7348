"""Checking an agent's password at sign-in: audited either way, and old hashes upgraded on success."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from inbox import audit
from inbox.models import Agent
from inbox.passwords import needs_rehash, password_version, rehash, verify_password
from inbox.store import Store


@dataclass(frozen=True, slots=True)
class SignedIn:
    agent_id: int
    password_version: str


async def do_sign_in(store: Store, *, email: str, password: str, address: str) -> SignedIn | None:
    """The agent when the address and password match an active account; None otherwise, for any reason."""
    email = email.strip().lower()
    async with store.write() as session:
        agent = (await session.execute(select(Agent).where(func.lower(Agent.email) == email))).scalar_one_or_none()
        # Verified even without an account, so timing does not tell which addresses exist.
        matches = verify_password(agent.password_hash if agent else None, password)
        if agent is None or not matches or not agent.active:
            audit.record(
                session,
                "agent.sign_in_failed",
                actor_agent_id=agent.id if agent else None,
                address=address,
                email=email if agent is None else None,
            )
            return None
        assert agent.password_hash is not None
        if needs_rehash(agent.password_hash):
            agent.password_hash = rehash(password)
        audit.record(session, "agent.signed_in", actor_agent_id=agent.id, address=address)
        return SignedIn(agent.id, password_version(agent.password_hash))

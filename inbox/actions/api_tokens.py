"""Issuing and revoking API tokens. The token is shown once; only its digest is stored."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from inbox import audit
from inbox.models import Agent, ApiToken, utcnow
from inbox.store import Store

TOKEN_PREFIX = "hub_"


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token_id: int
    token: str


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def do_issue_api_token(store: Store, *, agent_id: int, name: str, actor_agent_id: int | None) -> IssuedToken:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    async with store.write() as session:
        if await session.get(Agent, agent_id) is None:
            raise LookupError(f"agent {agent_id} does not exist")
        row = ApiToken(agent_id=agent_id, name=name, token_sha256=token_digest(token), prefix=token[:12])
        session.add(row)
        await session.flush()
        audit.record(session, "api_token.issued", actor_agent_id=actor_agent_id, agent_id=agent_id, token_id=row.id)
        return IssuedToken(row.id, token)


async def do_revoke_api_token(store: Store, *, token_id: int, actor_agent_id: int | None) -> bool:
    async with store.write() as session:
        row = await session.get(ApiToken, token_id)
        if row is None or row.revoked_at is not None:
            return False
        row.revoked_at = utcnow()
        audit.record(
            session, "api_token.revoked", actor_agent_id=actor_agent_id, agent_id=row.agent_id, token_id=token_id
        )
        return True

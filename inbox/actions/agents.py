"""Creating agents and setting their passwords, audited."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from inbox import audit
from inbox.models import Agent, Team
from inbox.passwords import hash_password
from inbox.store import Store

ROLES = ("agent", "supervisor", "admin", "marketer")


class AgentRefused(Exception):
    """The agent cannot be created or changed; the reason is written for the person asking."""


async def _team(session: AsyncSession, name: str) -> Team:
    found = (await session.execute(select(Team).where(Team.name == name))).scalar_one_or_none()
    if found is not None:
        return found
    team = Team(name=name)
    session.add(team)
    await session.flush()
    audit.record(session, "team.created", team_id=team.id, name=name)
    return team


async def do_add_agent(
    store: Store,
    *,
    email: str,
    name: str,
    role: str,
    password: str,
    teams: Sequence[str] = (),
    actor_agent_id: int | None = None,
) -> int:
    """Create an agent with a password; teams named that do not exist yet are created."""
    email = email.strip().lower()
    if "@" not in email:
        raise AgentRefused(f"{email!r} is not an email address")
    if role not in ROLES:
        raise AgentRefused(f"role must be one of {', '.join(ROLES)}")
    password_hash = hash_password(password)
    async with store.write() as session:
        taken = await session.execute(select(Agent.id).where(func.lower(Agent.email) == email))
        if taken.scalar_one_or_none() is not None:
            raise AgentRefused(f"an agent with the address {email} already exists")
        agent = Agent(
            name=name.strip() or email,
            email=email,
            role=role,
            password_hash=password_hash,
            skills=[],
            languages=[],
            capacity={},
            schedule={},
            teams=[await _team(session, team) for team in teams],
        )
        session.add(agent)
        await session.flush()
        audit.record(
            session, "agent.created", actor_agent_id=actor_agent_id, agent_id=agent.id, role=role, teams=list(teams)
        )
        return agent.id


async def do_set_password(store: Store, *, agent_id: int, password: str, actor_agent_id: int | None) -> None:
    password_hash = hash_password(password)
    async with store.write() as session:
        agent = await session.get(Agent, agent_id)
        if agent is None:
            raise AgentRefused(f"agent {agent_id} does not exist")
        agent.password_hash = password_hash
        # The hash itself never goes into the audit trail, only the fact of the change.
        audit.record(session, "agent.password_set", actor_agent_id=actor_agent_id, agent_id=agent_id)

"""The store and the router behind the voice routes: which agent a live call rings, and in which language the
caller is greeted.

A ringing call cannot wait for the job queue, so the router is asked directly, with the same snapshots the route
job uses. Only agents with a voice identity (a number or a Twilio Client name) can be rung, so the others are
left out before the router sees the list; an owner without a phone then does not hold a call for their
preference window. Nothing is written here: the call's own events are logged by the routes, and nobody is
assigned until an agent actually answers.

A live call is offered the way the line itself offers it, not through ``routing_offers``: the ringing ``<Dial>``
is the offer, its ring time ([twilio] voice_agent_ring_seconds) the accept timeout, and an agent who lets it
ring out, rejects it or is busy has declined it. The dial's outcome is logged on the call (``dial-<status>``
naming the agent), so every later search for an agent during the same call passes over those agents, as the
router passes over whoever declined a queued offer; the caller keeps their place in the hold queue meanwhile.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from channels.base import ChannelName, IdentityKind
from channels.twilio_voice_agents import AgentRequest, AgentTarget
from inbox import queries
from inbox.models import Agent, Contact, Message, Team, utcnow
from inbox.routing_snapshots import agent_snapshots, work_item_for_call
from inbox.store import Store
from router import RouterPolicy, decide

CLIENT_PREFIX = "client:"


def agent_target(agent_id: int, voice_identity: str) -> AgentTarget:
    """An agent's voice identity as Twilio dials it: "+…" is a phone number, anything else a Client name."""
    value = voice_identity.strip()
    if value.startswith("+"):
        return AgentTarget(str(agent_id), phone_number=value)
    return AgentTarget(str(agent_id), client_identity=value.removeprefix(CLIENT_PREFIX))


async def contact_by_phone(session: AsyncSession, number: str) -> Contact | None:
    """The customer behind a number, following merges; None for a caller the hub has never met."""
    identity = await queries.identity_by_value(session, IdentityKind.PHONE.value, number)
    if identity is None:
        return None
    return await queries.live_contact(session, identity.contact_id)


async def _voice_identities(session: AsyncSession) -> dict[int, str]:
    rows = await session.execute(
        select(Agent.id, Agent.voice_identity).where(Agent.active.is_(True), Agent.voice_identity.is_not(None))
    )
    return {agent_id: identity for agent_id, identity in rows.all() if identity and identity.strip()}


async def _team_id(session: AsyncSession, name: str | None) -> int | None:
    if not name:
        return None
    return (await session.execute(select(Team.id).where(Team.name == name))).scalar_one_or_none()


async def agents_who_missed(session: AsyncSession, conversation_id: int, call_sid: str) -> frozenset[int]:
    """The agents this call already rang without being answered: the dial outcomes logged on the call."""
    rows = await session.execute(
        select(Message.details).where(
            Message.conversation_id == conversation_id,
            Message.channel == ChannelName.PHONE.value,
            Message.external_id.like(f"call:{call_sid}:dial:%"),
        )
    )
    missed: set[int] = set()
    for details in rows.scalars():
        agent = str((details or {}).get("agent") or "")
        if details.get("missed") == "true" and agent.isdigit():
            missed.add(int(agent))
    return frozenset(missed)


class VoiceRouting:
    """``find_agent`` and ``caller_language`` for ``channels.twilio_routes.twilio_routes``."""

    def __init__(self, store: Store, policy: RouterPolicy | None = None) -> None:
        self._store = store
        self._policy = policy or RouterPolicy()

    async def find_agent(self, request: AgentRequest) -> AgentTarget | None:
        now = utcnow()
        async with self._store.read() as session:
            reachable = await _voice_identities(session)
            if not reachable:
                return None
            contact = await contact_by_phone(session, request.caller)
            conversation = await queries.conversation_by_session(
                session, ChannelName.PHONE.value, f"call:{request.call_sid}"
            )
            team_id = await _team_id(session, request.team)
            agents = [agent for agent in await agent_snapshots(session) if agent.agent_id in reachable]
            missed = (
                await agents_who_missed(session, conversation.id, request.call_sid) if conversation else frozenset()
            )
        item = replace(work_item_for_call(conversation, contact, team_id, now), declined_by=missed)
        decision = decide(item, agents, now.timestamp(), self._policy)
        if decision.agent_id is None:
            return None
        return agent_target(decision.agent_id, reachable[decision.agent_id])

    async def caller_language(self, caller: str) -> str | None:
        async with self._store.read() as session:
            contact = await contact_by_phone(session, caller)
            return contact.language if contact is not None else None

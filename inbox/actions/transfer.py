"""Assigning or transferring a conversation by hand, to an agent or back to a team's queue, audited."""

from __future__ import annotations

from sqlalchemy import select

from inbox import audit
from inbox.models import Agent, Conversation, Team, agent_teams
from inbox.store import Store
from inbox.webhook_events import CONVERSATION_ASSIGNED, CONVERSATION_TRANSFERRED, enqueue_webhook_events

# Marketers never handle conversations, so nothing can be handed to them.
HANDLING_ROLES = ("agent", "supervisor", "admin")


class TransferRefused(Exception):
    """The assignment cannot be made; the reason is written for the agent."""


async def do_assign_manually(
    store: Store,
    *,
    conversation_id: int,
    agent_id: int | None,
    actor_agent_id: int | None,
    team_id: int | None = None,
    note: str = "",
) -> None:
    """Give the conversation to ``agent_id`` (None: back to the queue). With ``team_id`` it also moves to that
    team's queue; without it, assigning to an agent of one team files the conversation under that team."""
    async with store.write() as session:
        conversation = await session.get(Conversation, conversation_id)
        if conversation is None:
            raise TransferRefused(f"conversation {conversation_id} does not exist")
        if team_id is not None and await session.get(Team, team_id) is None:
            raise TransferRefused(f"team {team_id} does not exist")
        if agent_id is not None:
            agent = await session.get(Agent, agent_id)
            if agent is None or not agent.active or agent.role not in HANDLING_ROLES:
                raise TransferRefused("that person cannot take conversations")
            teams = (
                (await session.execute(select(agent_teams.c.team_id).where(agent_teams.c.agent_id == agent_id)))
                .scalars()
                .all()
            )
            if team_id is None and len(teams) == 1:
                team_id = int(teams[0])
        before = {"agent_id": conversation.assignee_id, "team_id": conversation.team_id}
        conversation.assignee_id = agent_id
        if team_id is not None:
            conversation.team_id = team_id
        after = {"agent_id": conversation.assignee_id, "team_id": conversation.team_id}
        if before == after:
            return
        audit.record(
            session,
            "conversation.assigned",
            actor_agent_id=actor_agent_id,
            contact_id=conversation.contact_id,
            conversation_id=conversation.id,
            before=before,
            after=after,
            manual=True,
            note=note,
        )
        await enqueue_webhook_events(
            session,
            CONVERSATION_TRANSFERRED if before["team_id"] != after["team_id"] else CONVERSATION_ASSIGNED,
            [
                {
                    "conversation_id": conversation.id,
                    "assignee_id": after["agent_id"],
                    "previous_assignee_id": before["agent_id"],
                    "team_id": after["team_id"],
                    "previous_team_id": before["team_id"],
                    "actor_agent_id": actor_agent_id,
                    "note": note,
                }
            ],
        )

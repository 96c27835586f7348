"""@mentions in private notes: who a note names, and the notification each of them gets.

A handle is the part of an agent's e-mail address before the ``@`` (``@chen`` for chen@…) or their name with the
spaces taken out (``@ChenWei``), compared without regard to case. Only colleagues who may read the conversation
are notified: a notification pointing at a page one cannot open helps nobody, so those names are reported back to
the writer instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from inbox.access import load_viewer, visible_conversation
from inbox.actions.transfer import HANDLING_ROLES
from inbox.models import Agent, Conversation, Notification, utcnow
from inbox.store import Store
from inbox.upsert import insert_if_absent

# After start of text, whitespace or an opening bracket, so e-mail addresses in a note are not mentions.
_MENTION = re.compile(r"(?:(?<=^)|(?<=[\s(\[]))@([\w][\w.\-]{0,63})", re.UNICODE)
MENTION_KIND = "mention"


@dataclass(frozen=True, slots=True)
class MentionResult:
    notified: tuple[str, ...]
    # Named but not notified, each with the reason, for the writer to see.
    not_notified: tuple[str, ...]


def mention_handles(text: str) -> list[str]:
    """The handles a text mentions, lower-cased, first occurrence order, trailing punctuation dropped."""
    found: dict[str, None] = {}
    for match in _MENTION.finditer(text):
        handle = match.group(1).rstrip(".-").casefold()
        if handle:
            found.setdefault(handle, None)
    return list(found)


def handles_of(agent: Agent) -> set[str]:
    return {agent.email.split("@", 1)[0].casefold(), "".join(agent.name.split()).casefold()}


async def notify_mentions(
    session: AsyncSession, conversation: Conversation, message_id: int, text: str, actor_agent_id: int | None
) -> MentionResult:
    """Within the caller's unit of work: a notification for each colleague the text mentions who can read the
    conversation. Storing the same note twice notifies once (one row per person, message and kind)."""
    handles = mention_handles(text)
    if not handles:
        return MentionResult((), ())
    agents = (await session.execute(select(Agent).where(Agent.active.is_(True)))).scalars().all()
    by_handle: dict[str, Agent] = {}
    for agent in agents:
        for handle in handles_of(agent):
            by_handle.setdefault(handle, agent)
    actor = await session.get(Agent, actor_agent_id) if actor_agent_id else None
    summary = f"{actor.name if actor else 'Someone'} mentioned you in a note on #{conversation.id}"
    if conversation.subject:
        summary = f"{summary}: {conversation.subject}"[:300]
    notified: list[str] = []
    refused: list[str] = []
    for handle in handles:
        named = by_handle.get(handle)
        if named is None:
            refused.append(f"@{handle}: nobody by that name")
            continue
        agent = named
        if agent.id == actor_agent_id or agent.name in notified:
            continue
        viewer = await load_viewer(session, agent.id) if agent.role in HANDLING_ROLES else None
        if viewer is None or await visible_conversation(session, viewer, conversation.id) is None:
            refused.append(f"@{handle}: {agent.name} cannot see this conversation")
            continue
        await insert_if_absent(
            session,
            Notification,
            {
                "agent_id": agent.id,
                "kind": MENTION_KIND,
                "conversation_id": conversation.id,
                "message_id": message_id,
                "actor_agent_id": actor_agent_id,
                "summary": summary,
                "created_at": utcnow(),
            },
            ["agent_id", "message_id", "kind"],
        )
        notified.append(agent.name)
    return MentionResult(tuple(notified), tuple(refused))


async def do_mark_notifications_read(store: Store, agent_id: int, notification_ids: Sequence[int] | None) -> int:
    """Mark the agent's notifications read (all of them when ``notification_ids`` is None); returns how many
    changed. Only one's own notifications can be marked."""
    statement = update(Notification).where(Notification.agent_id == agent_id, Notification.read_at.is_(None))
    if notification_ids is not None:
        if not notification_ids:
            return 0
        statement = statement.where(Notification.id.in_(list(notification_ids)))
    async with store.write() as session:
        result = await session.execute(statement.values(read_at=utcnow()))
        return int(result.rowcount)  # type: ignore[attr-defined]

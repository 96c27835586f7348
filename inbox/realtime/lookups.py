"""The few reads the live feed needs: where a conversation sits, and which conversation a chat visitor is in.
Read-only, one indexed lookup each; the feed's batches of events look up all their conversations in one."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from channels.base import ChannelName
from inbox.models import Conversation, Message
from inbox.realtime.audience import Place


@dataclass(frozen=True, slots=True)
class Located:
    conversation_id: int
    place: Place
    channel: str
    # The web chat visitor on the other end, when it is a chat (its session key is the visitor's id).
    visitor: str | None


def _located(
    conversation_id: int, assignee_id: int | None, team_id: int | None, channel: str, session_key: str | None
) -> Located:
    visitor = session_key if channel == ChannelName.WEBCHAT.value else None
    return Located(conversation_id, Place(assignee_id, team_id), channel, visitor)


_COLUMNS = (
    Conversation.id,
    Conversation.assignee_id,
    Conversation.team_id,
    Conversation.channel,
    Conversation.session_key,
)


async def locate_conversation(session: AsyncSession, conversation_id: int) -> Located | None:
    row = (await session.execute(select(*_COLUMNS).where(Conversation.id == conversation_id))).first()
    return _located(*row) if row is not None else None


async def locate_conversations(session: AsyncSession, conversation_ids: Collection[int]) -> dict[int, Located]:
    if not conversation_ids:
        return {}
    rows = await session.execute(select(*_COLUMNS).where(Conversation.id.in_(sorted(set(conversation_ids)))))
    return {row[0]: _located(*row) for row in rows.all()}


async def locate_messages(session: AsyncSession, message_ids: Collection[int]) -> dict[int, Located]:
    if not message_ids:
        return {}
    rows = await session.execute(
        select(Message.id, *_COLUMNS)
        .join(Message, Message.conversation_id == Conversation.id)
        .where(Message.id.in_(sorted(set(message_ids))))
    )
    return {row[0]: _located(*row[1:]) for row in rows.all()}


async def locate_visitor(session: AsyncSession, visitor: str) -> Located | None:
    """The visitor's latest chat conversation: the one their typing belongs to."""
    row = (
        await session.execute(
            select(*_COLUMNS)
            .where(Conversation.channel == ChannelName.WEBCHAT.value, Conversation.session_key == visitor)
            .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
            .limit(1)
        )
    ).first()
    return _located(*row) if row is not None else None

"""Read-only lookups behind the chat widget: a visitor's messages, and whether anyone can answer now."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from channels.base import ChannelName, IdentityKind, MessageKind
from inbox import queries
from inbox.models import Attachment, Conversation, Direction, Message


async def visitor_messages(session: AsyncSession, visitor_id: str, after: int, limit: int) -> Sequence[Message]:
    """The visitor's chat messages newer than ``after`` (a message id), oldest first, at most ``limit``.

    Answers sent by email to a visitor who went away are included: they belong to the same conversations.
    """
    identity = await queries.identity_by_value(session, IdentityKind.WEBCHAT.value, visitor_id)
    if identity is None:
        return []
    contact = await queries.live_contact(session, identity.contact_id)
    conversations = select(Conversation.id).where(
        Conversation.contact_id == contact.id, Conversation.channel == ChannelName.WEBCHAT.value
    )
    rows = await session.execute(
        select(Message)
        .where(
            Message.conversation_id.in_(conversations),
            Message.id > after,
            Message.kind == MessageKind.MESSAGE.value,
            Message.direction.in_((Direction.INBOUND.value, Direction.OUTBOUND.value)),
        )
        .order_by(Message.id.desc())
        .limit(limit)
    )
    return list(reversed(rows.scalars().all()))


async def attachment_names(session: AsyncSession, message_ids: Sequence[int]) -> dict[int, list[str]]:
    if not message_ids:
        return {}
    rows = await session.execute(
        select(Attachment.message_id, Attachment.filename)
        .where(Attachment.message_id.in_(message_ids))
        .order_by(Attachment.id)
    )
    names: dict[int, list[str]] = {}
    for message_id, filename in rows.all():
        names.setdefault(message_id, []).append(filename)
    return names

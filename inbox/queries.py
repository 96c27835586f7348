"""Read-only lookups shared by the actions and the web app. Nothing here commits."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inbox.models import Contact, ContactIdentity, Conversation, Message


async def message_id_by_external(session: AsyncSession, channel: str, external_id: str) -> int | None:
    result = await session.execute(
        select(Message.id).where(Message.channel == channel, Message.external_id == external_id)
    )
    return result.scalar_one_or_none()


async def identity_by_value(session: AsyncSession, kind: str, value: str) -> ContactIdentity | None:
    result = await session.execute(
        select(ContactIdentity).where(ContactIdentity.kind == kind, ContactIdentity.value == value)
    )
    return result.scalar_one_or_none()


async def identities_of(session: AsyncSession, contact_id: int) -> Sequence[ContactIdentity]:
    result = await session.execute(
        select(ContactIdentity)
        .where(ContactIdentity.contact_id == contact_id)
        .order_by(ContactIdentity.created_at, ContactIdentity.id)
    )
    return result.scalars().all()


async def conversation_by_reply_token(session: AsyncSession, token: str) -> Conversation | None:
    result = await session.execute(select(Conversation).where(Conversation.reply_token == token))
    return result.scalar_one_or_none()


async def conversation_by_references(
    session: AsyncSession, channels: Sequence[str], references: Sequence[str]
) -> Conversation | None:
    """The conversation holding the most recent of the referenced messages, inbound or outbound."""
    if not references:
        return None
    result = await session.execute(
        select(Conversation)
        .join(Message, Message.conversation_id == Conversation.id)
        .where(Message.channel.in_(channels), Message.external_id.in_(references))
        .order_by(Message.id.desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


async def conversation_by_session(session: AsyncSession, channel: str, key: str) -> Conversation | None:
    result = await session.execute(
        select(Conversation)
        .where(Conversation.channel == channel, Conversation.session_key == key)
        .order_by(Conversation.id.desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


async def latest_conversation(session: AsyncSession, contact_id: int, channel: str) -> Conversation | None:
    result = await session.execute(
        select(Conversation)
        .where(Conversation.contact_id == contact_id, Conversation.channel == channel)
        .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


async def conversation_external_ids(session: AsyncSession, conversation_id: int, channel: str) -> list[str]:
    """Every network id in a conversation on one channel, oldest first: the References chain of an email reply."""
    result = await session.execute(
        select(Message.external_id)
        .where(
            Message.conversation_id == conversation_id,
            Message.channel == channel,
            Message.external_id.is_not(None),
        )
        .order_by(Message.id)
    )
    return [value for value in result.scalars().all() if value]


async def live_contact(session: AsyncSession, contact_id: int) -> Contact:
    """The record a contact id leads to, following merges to the surviving record."""
    contact = await session.get(Contact, contact_id)
    seen: set[int] = set()
    while contact is not None and contact.merged_into_id is not None and contact.id not in seen:
        seen.add(contact.id)
        contact = await session.get(Contact, contact.merged_into_id)
    if contact is None:
        raise LookupError(f"contact {contact_id} does not exist")
    return contact

"""The JSON document an outgoing webhook carries, built from the store with the REST API's own shapes.

Receivers get what the API would show for the same things, and no more: the shapes leave out sealed customer
fields (identity documents, birth date, income, health, family, sensitive attributes), so those never leave the
hub this way. Private notes are staff-only and are never the subject of an event.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inbox import queries
from inbox.models import Attachment, Contact, Conversation, Direction, Message
from inbox.web import api_shapes


async def _message(session: AsyncSession, message_id: int) -> dict[str, Any] | None:
    message = await session.get(Message, message_id)
    if message is None or message.direction == Direction.INTERNAL.value:
        return None
    attachments = (
        (await session.execute(select(Attachment).where(Attachment.message_id == message.id).order_by(Attachment.id)))
        .scalars()
        .all()
    )
    return api_shapes.message(message, attachments)


async def event_data(session: AsyncSession, kind: str, data: dict[str, Any]) -> dict[str, Any] | None:
    """The event's ``data``: what changed (as emitted) plus the conversation, its customer and, for a message,
    the message; for a customer's own event, the customer. None when what it is about is gone (erased, merged,
    or a note), so nothing is sent."""
    if "conversation_id" not in data:
        contact = await session.get(Contact, int(data["contact_id"]))
        if contact is None or contact.erased_at is not None or contact.merged_into_id is not None:
            return None
        return {**data, "contact": api_shapes.contact(contact, await queries.identities_of(session, contact.id))}
    conversation = await session.get(Conversation, int(data["conversation_id"]))
    if conversation is None:
        return None
    contact = await session.get(Contact, conversation.contact_id)
    if contact is None or contact.erased_at is not None:
        return None
    document: dict[str, Any] = {key: value for key, value in data.items() if key not in ("message_id",)}
    if "message_id" in data:
        message = await _message(session, int(data["message_id"]))
        if message is None:
            return None
        document["message"] = message
    document["conversation"] = api_shapes.conversation(conversation)
    document["contact"] = api_shapes.contact(contact, await queries.identities_of(session, contact.id))
    return document


def event_body(event_id: str, kind: str, occurred_at: str, data: dict[str, Any]) -> str:
    """The exact text that is signed and sent (kept so every attempt sends the same bytes)."""
    document = {"id": event_id, "type": kind, "created_at": occurred_at, "data": data}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True)

"""Everything the conversation page shows: the customer's timeline across channels, their record, and which
channel a reply would take. Read-only; callers check access first (see ``inbox.access``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from channels.base import ChannelName
from inbox import queries
from inbox.access import Viewer, conversation_scope
from inbox.models import Agent, Attachment, Contact, ContactIdentity, Conversation, Message
from inbox.reply_channel import ChannelChoice, choose_reply_channel

TIMELINE_LIMIT = 500
# One cannot send a call: a phone conversation is answered by SMS (see ``inbox.reply_channel``).
REPLY_CHANNELS = tuple(channel.value for channel in ChannelName if channel is not ChannelName.PHONE)


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    message: Message
    attachments: Sequence[Attachment]
    sender_agent_name: str | None
    in_this_conversation: bool


@dataclass(frozen=True, slots=True)
class CustomerPanel:
    contact: Contact
    identities: Sequence[ContactIdentity]
    owner_name: str | None
    conversations: Sequence[Conversation]


@dataclass(frozen=True, slots=True)
class ConversationPage:
    conversation: Conversation
    customer: CustomerPanel
    timeline: Sequence[TimelineEntry]
    reply_choice: ChannelChoice
    assignee_name: str | None


def default_reply_channel(contact: Contact, conversation: Conversation, kinds: Sequence[str]) -> ChannelChoice:
    return choose_reply_channel(
        preferred=contact.preferred_channel,
        last_inbound=contact.last_inbound_channel,
        conversation_channel=conversation.channel,
        identity_kinds=kinds,
        consent=dict(contact.consent or {}),
    )


async def customer_panel(session: AsyncSession, viewer: Viewer, contact: Contact) -> CustomerPanel:
    identities = await queries.identities_of(session, contact.id)
    owner = await session.get(Agent, contact.owner_agent_id) if contact.owner_agent_id else None
    conversations = (
        (
            await session.execute(
                select(Conversation)
                .where(Conversation.contact_id == contact.id, conversation_scope(viewer))
                .order_by(Conversation.last_message_at.desc())
            )
        )
        .scalars()
        .all()
    )
    return CustomerPanel(contact, identities, owner.name if owner else None, conversations)


async def _agent_names(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await session.execute(select(Agent.id, Agent.name).where(Agent.id.in_(ids)))
    return {int(agent_id): str(name) for agent_id, name in rows.all()}


async def timeline(
    session: AsyncSession, conversation: Conversation, visible: Sequence[Conversation]
) -> list[TimelineEntry]:
    """The customer's messages across every conversation the viewer may read, oldest first."""
    ids = [c.id for c in visible] or [conversation.id]
    messages = (
        (
            await session.execute(
                select(Message)
                .where(Message.conversation_id.in_(ids))
                .order_by(Message.created_at.desc(), Message.id.desc())
                .limit(TIMELINE_LIMIT)
            )
        )
        .scalars()
        .all()
    )
    messages = list(reversed(messages))
    attachments: dict[int, list[Attachment]] = defaultdict(list)
    if messages:
        found = await session.execute(
            select(Attachment).where(Attachment.message_id.in_([m.id for m in messages])).order_by(Attachment.id)
        )
        for attachment in found.scalars():
            attachments[attachment.message_id].append(attachment)
    names = await _agent_names(session, {m.sender_agent_id for m in messages if m.sender_agent_id})
    return [
        TimelineEntry(
            message,
            attachments.get(message.id, []),
            names.get(message.sender_agent_id) if message.sender_agent_id else None,
            message.conversation_id == conversation.id,
        )
        for message in messages
    ]


async def conversation_page(session: AsyncSession, viewer: Viewer, conversation: Conversation) -> ConversationPage:
    contact = await queries.live_contact(session, conversation.contact_id)
    panel = await customer_panel(session, viewer, contact)
    entries = await timeline(session, conversation, panel.conversations)
    choice = default_reply_channel(contact, conversation, [identity.kind for identity in panel.identities])
    assignee = await session.get(Agent, conversation.assignee_id) if conversation.assignee_id else None
    return ConversationPage(conversation, panel, entries, choice, assignee.name if assignee else None)

"""An agent's answer or private note: stored as queued and handed to the send job in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from channels.base import ChannelName, MessageKind
from inbox import audit, outbox, queries
from inbox.models import Attachment, Contact, ContactIdentity, Conversation, Direction, Message, utcnow
from inbox.reply_channel import IDENTITY_FOR_CHANNEL, ChannelChoice, choose_reply_channel, reachable
from inbox.reply_files import StoredFile
from inbox.store import Store
from inbox.webhook_events import MESSAGE_CREATED, enqueue_webhook_events


class ReplyRefused(Exception):
    """The reply cannot be sent; the reason is written for the agent."""


@dataclass(frozen=True, slots=True)
class ReplyOutcome:
    message_id: int
    channel: str | None
    channel_reason: str
    queued: bool


async def do_reply(
    store: Store,
    *,
    conversation_id: int,
    agent_id: int | None,
    text: str,
    html: str | None = None,
    channel: str | None = None,
    cc: Sequence[str] = (),
    note: bool = False,
    attachments: Sequence[StoredFile] = (),
) -> ReplyOutcome:
    if not text.strip() and not (html or "").strip():
        raise ReplyRefused("the reply is empty")
    async with store.write() as session:
        conversation = await session.get(Conversation, conversation_id)
        if conversation is None:
            raise ReplyRefused(f"conversation {conversation_id} does not exist")
        if note:
            return await _store_note(session, conversation, agent_id, text)
        contact = await queries.live_contact(session, conversation.contact_id)
        identities = await queries.identities_of(session, contact.id)
        choice = _choose(channel, contact, conversation, identities)
        if choice.channel is None:
            raise ReplyRefused(choice.reason)
        if (cc or attachments) and choice.channel is not ChannelName.EMAIL:
            # Only e-mail carries copies and files; saying so beats dropping them silently.
            raise ReplyRefused(f"CC and attachments go only by email; this reply would go by {choice.channel.value}")
        recipient = _recipient(identities, choice.channel)
        now = utcnow()
        message = Message(
            conversation_id=conversation.id,
            direction=Direction.OUTBOUND.value,
            channel=choice.channel.value,
            kind=MessageKind.MESSAGE.value,
            subject=conversation.subject,
            text=text,
            html=html,
            sender_agent_id=agent_id,
            recipient=recipient.value,
            delivery_status="queued",
            details={"channel_reason": choice.reason, "cc": list(cc)},
            created_at=now,
        )
        session.add(message)
        await session.flush()
        for stored in attachments:
            session.add(
                Attachment(
                    message_id=message.id,
                    sha256=stored.sha256,
                    filename=stored.filename,
                    content_type=stored.content_type,
                    size=stored.size,
                )
            )
        if conversation.first_response_at is None:
            conversation.first_response_at = now
        conversation.last_message_at = now
        audit.record(
            session,
            "message.queued",
            actor_agent_id=agent_id,
            contact_id=contact.id,
            conversation_id=conversation.id,
            message_id=message.id,
            channel=choice.channel.value,
            reason=choice.reason,
        )
        await outbox.enqueue(session, "send", f"send:{message.id}", {"message_id": message.id})
        await enqueue_webhook_events(
            session, MESSAGE_CREATED, [{"message_id": message.id, "conversation_id": conversation.id}]
        )
        return ReplyOutcome(message.id, choice.channel.value, choice.reason, queued=True)


def _choose(
    requested: str | None, contact: Contact, conversation: Conversation, identities: Sequence[ContactIdentity]
) -> ChannelChoice:
    kinds = [identity.kind for identity in identities]
    consent = dict(contact.consent or {})
    if requested:
        try:
            wanted = ChannelName(requested)
        except ValueError as exc:
            raise ReplyRefused(f"there is no channel called {requested!r}") from exc
        problem = reachable(wanted, kinds, consent)
        if problem is not None:
            return ChannelChoice(None, problem)
        return ChannelChoice(wanted, f"{wanted.value}: chosen by the agent")
    return choose_reply_channel(
        preferred=contact.preferred_channel,
        last_inbound=contact.last_inbound_channel,
        conversation_channel=conversation.channel,
        identity_kinds=kinds,
        consent=consent,
    )


def _recipient(identities: Sequence[ContactIdentity], channel: ChannelName) -> ContactIdentity:
    kind = IDENTITY_FOR_CHANNEL[channel].value
    # The newest address of that kind: the one the customer most recently gave us.
    matching = [identity for identity in identities if identity.kind == kind]
    return matching[-1]


async def _store_note(
    session: AsyncSession, conversation: Conversation, agent_id: int | None, text: str
) -> ReplyOutcome:
    note = Message(
        conversation_id=conversation.id,
        direction=Direction.INTERNAL.value,
        channel="note",
        kind=MessageKind.NOTE.value,
        text=text,
        sender_agent_id=agent_id,
        delivery_status="internal",
        details={},
    )
    session.add(note)
    await session.flush()
    audit.record(session, "note.added", actor_agent_id=agent_id, conversation_id=conversation.id, message_id=note.id)
    return ReplyOutcome(note.id, None, "a private note never leaves the hub", queued=False)

"""Which conversation an inbound message continues, decided from the channel's thread hints.

Order of trust: our own reply-address token, then references to stored messages, then a subject token (only when
the sender is the conversation's customer, since a subject is easy to forge), then the channel's session, then —
for channels without threads of their own (SMS, web chat) — the customer's latest conversation there.

Lookups are prefetched for a whole batch of messages in a handful of queries, and the index learns from each
message placed, so a batch may thread messages into conversations created earlier in the same batch.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from channels.base import ChannelName, InboundMessage
from inbox.models import Conversation, ConversationStatus, Message
from inbox.pair_filter import pairs_in

# Email and fax share Message-IDs: a fax reply goes out as an email to the gateway.
REFERENCE_CHANNELS: dict[ChannelName, tuple[str, ...]] = {
    ChannelName.EMAIL: ("email", "fax"),
    ChannelName.FAX: ("fax", "email"),
}
CONTINUOUS_CHANNELS = frozenset({ChannelName.SMS, ChannelName.WEBCHAT})
SUBJECT_TOKEN = re.compile(r"\[#(\d{1,18})\]")


@dataclass(frozen=True, slots=True)
class ThreadChoice:
    conversation: Conversation | None
    reason: str


def subject_token_id(token: str | None) -> int | None:
    if not token:
        return None
    match = SUBJECT_TOKEN.search(token) or re.fullmatch(r"#?(\d{1,18})", token.strip())
    return int(match.group(1)) if match else None


def is_too_old(conversation: Conversation, now: datetime, reopen_window: timedelta) -> bool:
    if conversation.status != ConversationStatus.RESOLVED.value:
        return False
    resolved_at = conversation.resolved_at or conversation.last_message_at
    return now - resolved_at > reopen_window


def _reference_channels(channel: ChannelName) -> tuple[str, ...]:
    return REFERENCE_CHANNELS.get(channel, (channel.value,))


class ThreadIndex:
    """Every conversation a batch of messages could continue, loaded up front."""

    def __init__(self) -> None:
        self.by_token: dict[str, Conversation] = {}
        self.by_reference: dict[tuple[str, str], Conversation] = {}
        self.by_id: dict[int, Conversation] = {}
        self.by_session: dict[tuple[str, str], Conversation] = {}
        self.latest: dict[tuple[int, str], Conversation] = {}

    @classmethod
    async def load(
        cls, session: AsyncSession, messages: Sequence[InboundMessage], contact_ids: Iterable[int]
    ) -> ThreadIndex:
        index = cls()
        tokens = {m.thread.conversation_token for m in messages if m.thread.conversation_token}
        if tokens:
            rows = await session.execute(select(Conversation).where(Conversation.reply_token.in_(tokens)))
            index.by_token = {row.reply_token: row for row in rows.scalars()}
        references = {
            (channel, ref)
            for m in messages
            for ref in m.thread.references
            for channel in _reference_channels(m.channel)
        }
        if references:
            found = await session.execute(
                select(Conversation, Message.channel, Message.external_id)
                .join(Message, Conversation.id == Message.conversation_id)
                .where(pairs_in(Message.channel, Message.external_id, references))
                .order_by(Message.id)
            )
            for conversation, channel, external_id in found.all():
                index.by_reference[(channel, external_id or "")] = conversation
        wanted_ids = {i for m in messages if (i := subject_token_id(m.thread.subject_token)) is not None}
        if wanted_ids:
            rows = await session.execute(select(Conversation).where(Conversation.id.in_(wanted_ids)))
            index.by_id = {row.id: row for row in rows.scalars()}
        sessions = {(m.channel.value, m.thread.session_key) for m in messages if m.thread.session_key}
        if sessions:
            rows = await session.execute(
                select(Conversation)
                .where(pairs_in(Conversation.channel, Conversation.session_key, sessions))
                .order_by(Conversation.id)
            )
            for row in rows.scalars():
                index.by_session[(row.channel, row.session_key or "")] = row
        continuous = {m.channel.value for m in messages if m.channel in CONTINUOUS_CHANNELS}
        contacts = set(contact_ids)
        if continuous and contacts:
            rows = await session.execute(
                select(Conversation)
                .where(Conversation.contact_id.in_(contacts), Conversation.channel.in_(continuous))
                .order_by(Conversation.last_message_at, Conversation.id)
            )
            for row in rows.scalars():
                index.latest[(row.contact_id, row.channel)] = row
        return index

    def find(self, message: InboundMessage, contact_id: int, now: datetime, reopen_window: timedelta) -> ThreadChoice:
        hints = message.thread
        candidate: Conversation | None = None
        reason = "no earlier conversation matched"
        if hints.conversation_token:
            candidate = self.by_token.get(hints.conversation_token)
            reason = "reply address token"
        if candidate is None and hints.references:
            channels = _reference_channels(message.channel)
            # The latest reference that we hold wins: it is closest to what the customer answered.
            for reference in reversed(hints.references):
                candidate = next((found for c in channels if (found := self.by_reference.get((c, reference)))), None)
                if candidate is not None:
                    break
            reason = "references an earlier message"
        if candidate is None and (wanted := subject_token_id(hints.subject_token)) is not None:
            found = self.by_id.get(wanted)
            if found is not None and found.contact_id == contact_id:
                candidate, reason = found, "subject token from the conversation's customer"
        if candidate is None and hints.session_key:
            candidate = self.by_session.get((message.channel.value, hints.session_key))
            reason = "same session"
        if candidate is None and message.channel in CONTINUOUS_CHANNELS:
            candidate = self.latest.get((contact_id, message.channel.value))
            reason = "the customer's latest conversation on this channel"
        if candidate is not None and is_too_old(candidate, now, reopen_window):
            return ThreadChoice(None, f"{reason}, but resolved longer ago than the reopen window")
        if candidate is None:
            return ThreadChoice(None, "no earlier conversation matched")
        return ThreadChoice(candidate, reason)

    def learn(self, message: InboundMessage, contact_id: int, conversation: Conversation) -> None:
        """Remember where a message went, so later messages of the same batch can thread to it."""
        self.by_token.setdefault(conversation.reply_token, conversation)
        self.by_reference[(message.channel.value, message.external_id)] = conversation
        if conversation.id is not None:
            self.by_id.setdefault(conversation.id, conversation)
        if message.thread.session_key:
            self.by_session[(message.channel.value, message.thread.session_key)] = conversation
        if message.channel in CONTINUOUS_CHANNELS:
            self.latest[(contact_id, message.channel.value)] = conversation

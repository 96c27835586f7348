"""Which conversation an inbound message continues, decided from the channel's thread hints.

Order of trust: our own reply-address token, then references to stored messages, then a subject token (only when
the sender is the conversation's customer, since a subject is easy to forge), then the channel's session, then —
for channels without threads of their own (SMS, web chat) — the customer's latest conversation there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from channels.base import ChannelName, InboundMessage
from inbox import queries
from inbox.models import Conversation, ConversationStatus

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


async def find_thread(
    session: AsyncSession,
    message: InboundMessage,
    contact_id: int,
    now: datetime,
    reopen_window: timedelta,
) -> ThreadChoice:
    hints = message.thread
    candidate: Conversation | None = None
    reason = "no earlier conversation matched"
    if hints.conversation_token:
        candidate = await queries.conversation_by_reply_token(session, hints.conversation_token)
        reason = "reply address token"
    if candidate is None and hints.references:
        channels = REFERENCE_CHANNELS.get(message.channel, (message.channel.value,))
        candidate = await queries.conversation_by_references(session, channels, hints.references)
        reason = "references an earlier message"
    if candidate is None and (wanted := subject_token_id(hints.subject_token)) is not None:
        found = await session.get(Conversation, wanted)
        if found is not None and found.contact_id == contact_id:
            candidate, reason = found, "subject token from the conversation's customer"
    if candidate is None and hints.session_key:
        candidate = await queries.conversation_by_session(session, message.channel.value, hints.session_key)
        reason = "same session"
    if candidate is None and message.channel in CONTINUOUS_CHANNELS:
        candidate = await queries.latest_conversation(session, contact_id, message.channel.value)
        reason = "the customer's latest conversation on this channel"
    if candidate is not None and is_too_old(candidate, now, reopen_window):
        return ThreadChoice(None, f"{reason}, but resolved longer ago than the reopen window")
    if candidate is None:
        return ThreadChoice(None, "no earlier conversation matched")
    return ThreadChoice(candidate, reason)

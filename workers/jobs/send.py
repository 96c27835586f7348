"""Sending a queued outbound message on its channel, once."""

from __future__ import annotations

from typing import Any

from channels.base import (
    ChannelName,
    Identity,
    IdentityKind,
    OutboundMessage,
    PermanentChannelError,
)
from channels.registry import UnknownChannel
from inbox import queries
from inbox.actions.delivery import do_mark_failed, do_mark_sending, do_mark_sent
from inbox.models import Conversation, Message
from inbox.reply_channel import IDENTITY_FOR_CHANNEL
from workers.context import JobContext


async def run(ctx: JobContext, payload: dict[str, Any]) -> None:
    message_id = int(payload["message_id"])
    message = await do_mark_sending(ctx.store, message_id, retry_failed=bool(payload.get("retry_of_failure")))
    if message is None:
        return
    try:
        adapter = ctx.channels.get(message.channel)
    except UnknownChannel:
        await do_mark_failed(
            ctx.store, message_id, f"the {message.channel} channel is not configured on this hub"
        )
        return
    outbound = await _outbound_for(ctx, message)
    try:
        external_id = await adapter.send(outbound)
    except PermanentChannelError as error:
        await do_mark_failed(ctx.store, message_id, error.reason, error.code)
        return
    await do_mark_sent(ctx.store, message_id, external_id)


async def on_exhausted(ctx: JobContext, payload: dict[str, Any], error: str) -> None:
    attempts = ctx.retry.max_attempts
    await do_mark_failed(ctx.store, int(payload["message_id"]), f"gave up after {attempts} attempts: {error}")


async def _outbound_for(ctx: JobContext, message: Message) -> OutboundMessage:
    channel = ChannelName(message.channel)
    async with ctx.store.read() as session:
        conversation = await session.get(Conversation, message.conversation_id)
        assert conversation is not None
        history = await queries.conversation_external_ids(session, conversation.id, channel.value)
    kind: IdentityKind = IDENTITY_FOR_CHANNEL[channel]
    recipient = message.recipient or ""
    cc = tuple(str(address) for address in message.details.get("cc", []))
    return OutboundMessage(
        channel=channel,
        message_id=message.id,
        to=Identity(kind=kind, value=recipient),
        text=message.text,
        html=message.html,
        subject=message.subject or conversation.subject,
        in_reply_to=history[-1] if history else None,
        references=tuple(history[-20:]),
        cc=cc,
        metadata={"conversation_id": str(conversation.id), "reply_token": conversation.reply_token},
    )

"""Sending a queued outbound message on its channel, once."""

from __future__ import annotations

import secrets
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from channels.base import (
    Attachment,
    ChannelName,
    Identity,
    IdentityKind,
    OutboundMessage,
    PermanentChannelError,
)
from channels.registry import UnknownChannel
from inbox import queries
from inbox.actions.delivery import do_mark_failed, do_mark_sending, do_mark_sent
from inbox.actions.outbound_ids import do_reserve_external_id
from inbox.models import Attachment as StoredAttachment
from inbox.models import Conversation, Message
from inbox.reply_channel import IDENTITY_FOR_CHANNEL
from workers.context import JobContext
from workers.email_setup import message_id_domain

# Channels whose network id is a Message-ID we choose, so a retry can repeat it.
_CHOSEN_IDS = frozenset({ChannelName.EMAIL, ChannelName.FAX})


async def run(ctx: JobContext, payload: dict[str, Any]) -> None:
    message_id = int(payload["message_id"])
    message = await do_mark_sending(ctx.store, message_id, retry_failed=bool(payload.get("retry_of_failure")))
    if message is None:
        return
    try:
        adapter = ctx.channels.get(message.channel)
    except UnknownChannel:
        await do_mark_failed(ctx.store, message_id, f"the {message.channel} channel is not configured on this hub")
        return
    try:
        outbound = await _outbound_for(ctx, message)
    except FileNotFoundError:
        # A file the agent attached is gone (purged or lost): failing says so, sending without it would not.
        await do_mark_failed(ctx.store, message_id, "an attached file is no longer kept; attach it again")
        return
    if outbound.channel in _CHOSEN_IDS:
        minted = f"{message.id}.{secrets.token_hex(10)}@{message_id_domain(ctx.settings.email)}"
        hint = message.external_id or await do_reserve_external_id(ctx.store, message_id, minted)
        outbound = replace(outbound, external_id_hint=hint)
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
        files = await _attached(session, message.id)
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
        attachments=tuple([Attachment(f.filename, f.content_type, await ctx.blobs.get(f.sha256)) for f in files]),
        metadata={
            "conversation_id": str(conversation.id),
            "reply_token": conversation.reply_token,
            # The email adapter's name for it: Reply-To becomes reply+<token>@<reply domain>.
            "conversation_token": conversation.reply_token,
            # Printed in the email footer and on a fax's cover line; the subject token form threads replies.
            "reference": f"[#{conversation.id}]",
        },
    )


async def _attached(session: AsyncSession, message_id: int) -> list[StoredAttachment]:
    """The files an agent attached to the message, in the order they were attached."""
    found = await session.execute(
        select(StoredAttachment).where(StoredAttachment.message_id == message_id).order_by(StoredAttachment.id)
    )
    return list(found.scalars())

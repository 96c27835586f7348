"""Fetching the media of an inbound MMS into the blob store and attaching them to their message.

Safe to run twice: items already attached are skipped, so a retry after a network error fetches only what is
still missing.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from channels.base import Attachment, PermanentChannelError
from channels.registry import UnknownChannel
from inbox.actions.media import do_attach_media, do_record_media_failure, pending_media
from inbox.models import Message
from workers.context import JobContext


@runtime_checkable
class MediaSource(Protocol):
    async def download_media(self, url: str) -> Attachment: ...


async def _pending(ctx: JobContext, message_id: int) -> tuple[str, list[tuple[int, str]]]:
    async with ctx.store.read() as session:
        message = await session.get(Message, message_id)
        if message is None:
            return "", []
        return message.channel, pending_media(dict(message.details))


async def run(ctx: JobContext, payload: dict[str, Any]) -> None:
    message_id = int(payload["message_id"])
    channel, pending = await _pending(ctx, message_id)
    if not pending:
        return
    try:
        adapter = ctx.channels.get(channel)
    except UnknownChannel:
        adapter = None
    if not isinstance(adapter, MediaSource):
        for index, _url in pending:
            reason = f"the {channel} channel on this hub cannot fetch media files"
            await do_record_media_failure(ctx.store, message_id, index, reason)
        return
    for index, url in pending:
        try:
            file = await adapter.download_media(url)
        except PermanentChannelError as error:
            await do_record_media_failure(ctx.store, message_id, index, error.reason)
            continue
        # File first: a crash then leaves an unreferenced blob, never a row pointing at a missing file.
        await ctx.blobs.put(file.data)
        await do_attach_media(ctx.store, message_id, index, file)


async def on_exhausted(ctx: JobContext, payload: dict[str, Any], error: str) -> None:
    message_id = int(payload["message_id"])
    _channel, pending = await _pending(ctx, message_id)
    for index, _url in pending:
        await do_record_media_failure(ctx.store, message_id, index, f"gave up fetching the file: {error}")

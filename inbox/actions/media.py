"""Files fetched after a message was stored (MMS media): one attachment row per item, each added once."""

from __future__ import annotations

from channels.base import Attachment as File
from inbox import audit
from inbox.models import Attachment, Message
from inbox.store import Store

FETCHED = "media_fetched"
FAILED = "media_failed"


def pending_media(details: dict[str, object]) -> list[tuple[int, str]]:
    """(index, URL) of each media item neither fetched nor given up on, from a stored message's details."""
    try:
        count = int(str(details.get("media_count") or 0))
    except ValueError:
        return []
    done = {int(index) for index in _list(details.get(FETCHED))}
    failed = details.get(FAILED)
    done |= {int(index) for index in (failed if isinstance(failed, dict) else {})}
    return [
        (index, str(details[f"media_url_{index}"]))
        for index in range(count)
        if index not in done and details.get(f"media_url_{index}")
    ]


def _list(value: object) -> list[int]:
    return [int(item) for item in value] if isinstance(value, list) else []


async def do_attach_media(store: Store, message_id: int, index: int, file: File) -> bool:
    """Attach media item ``index`` (its bytes already in the blob store); False when it was attached before."""
    async with store.write() as session:
        # The row lock makes two runs of the same job wait for each other instead of both attaching.
        message = await session.get(Message, message_id, with_for_update=True)
        if message is None:
            return False
        fetched = _list(message.details.get(FETCHED))
        if index in fetched:
            return False
        session.add(
            Attachment(
                message_id=message_id,
                sha256=file.sha256,
                filename=file.filename,
                content_type=file.content_type,
                size=file.size,
                content_id=None,
                inline=False,
            )
        )
        message.details = {**message.details, FETCHED: sorted([*fetched, index])}
        audit.record(
            session,
            "media.attached",
            conversation_id=message.conversation_id,
            message_id=message_id,
            index=index,
            sha256=file.sha256,
        )
        return True


async def do_record_media_failure(store: Store, message_id: int, index: int, reason: str) -> None:
    """Keep why a media item could not be fetched, so the agent sees a reason instead of a missing picture."""
    async with store.write() as session:
        message = await session.get(Message, message_id, with_for_update=True)
        if message is None or index in _list(message.details.get(FETCHED)):
            return
        failed = message.details.get(FAILED)
        reasons = dict(failed) if isinstance(failed, dict) else {}
        reasons[str(index)] = reason
        message.details = {**message.details, FAILED: reasons}
        audit.record(
            session,
            "media.failed",
            conversation_id=message.conversation_id,
            message_id=message_id,
            index=index,
            reason=reason,
        )

"""Keeping input that could not become a message: raw bytes stored, reason recorded, nothing dropped."""

from __future__ import annotations

from inbox import audit
from inbox.blobs import BlobStore
from inbox.models import Quarantine, utcnow
from inbox.raw_payloads import keep_raws, raw_row, too_large_to_inline
from inbox.settings import Settings
from inbox.store import Store


async def do_quarantine(
    store: Store, blobs: BlobStore, settings: Settings, channel: str, raw: bytes, reason: str
) -> int:
    limit = settings.ingest.inline_raw_max_bytes
    if too_large_to_inline(raw, limit):
        # The file is made durable before the row that points at it exists.
        await blobs.put(raw)
    row = raw_row(raw, channel, utcnow(), limit)
    async with store.write() as session:
        await keep_raws(session, [row])
        item = Quarantine(channel=channel, raw_sha256=row["sha256"], reason=reason)
        session.add(item)
        await session.flush()
        audit.record(session, "input.quarantined", channel=channel, reason=reason, raw_sha256=row["sha256"])
        return item.id

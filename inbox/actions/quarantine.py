"""Keeping input that could not become a message: raw bytes stored, reason recorded, nothing dropped."""

from __future__ import annotations

from inbox import audit
from inbox.blobs import BlobStore
from inbox.models import Quarantine
from inbox.raw_payloads import keep_raw
from inbox.store import Store


async def do_quarantine(store: Store, blobs: BlobStore, channel: str, raw: bytes, reason: str) -> int:
    # The bytes go to disk before the row exists, so a row never points at a missing file.
    digest = await blobs.put(raw)
    async with store.write() as session:
        await keep_raw(session, digest, channel, len(raw))
        item = Quarantine(channel=channel, raw_sha256=digest, reason=reason)
        session.add(item)
        await session.flush()
        audit.record(session, "input.quarantined", channel=channel, reason=reason, raw_sha256=digest)
        return item.id

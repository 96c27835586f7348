"""Which stored files are still needed, and removing those that are not.

Files are content-addressed and shared: the same PDF sent by two customers is one file with two attachment rows,
and a large raw payload lives under its own digest. A file goes only when no row refers to it any more, checked
after the rows' deletion has committed; a crash in between leaves an orphan that the purge's sweep collects later.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inbox.blobs import BlobStore
from inbox.models import Attachment, RawPayload
from inbox.store import Store

CHUNK = 500


async def still_referenced(session: AsyncSession, digests: Iterable[str]) -> set[str]:
    wanted = list(set(digests))
    found: set[str] = set()
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        attached = await session.execute(select(Attachment.sha256).where(Attachment.sha256.in_(chunk)).distinct())
        found.update(attached.scalars())
        raws = await session.execute(
            select(RawPayload.sha256).where(RawPayload.sha256.in_(chunk), RawPayload.content.is_(None))
        )
        found.update(raws.scalars())
    return found


def _old_enough(blobs: BlobStore, digest: str, grace_seconds: float) -> bool:
    if grace_seconds <= 0:
        return True
    try:
        modified = blobs.path_for(digest).stat().st_mtime
    except FileNotFoundError:
        return False
    return time.time() - modified >= grace_seconds


async def release_files(store: Store, blobs: BlobStore, digests: Iterable[str], *, grace_seconds: float) -> int:
    """Remove the files of ``digests`` that no row refers to; returns how many were removed.

    A file modified within ``grace_seconds`` is kept: an ingest may have just found it in place and be about to
    commit a row pointing at it."""
    candidates = {digest for digest in digests if digest}
    if not candidates:
        return 0
    async with store.read() as session:
        needed = await still_referenced(session, candidates)
    removed = 0
    for digest in sorted(candidates - needed):
        if _old_enough(blobs, digest, grace_seconds) and blobs.remove(digest):
            removed += 1
    return removed


async def orphaned_files(store: Store, blobs: BlobStore, *, grace_seconds: float) -> list[str]:
    """Files older than the grace period that no row refers to."""
    now = time.time()
    old = [digest for digest, modified in blobs.stored() if now - modified >= grace_seconds]
    async with store.read() as session:
        needed = await still_referenced(session, old)
    return sorted(set(old) - needed)

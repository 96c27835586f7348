"""Group commit for inbound messages: callers submit one message each, and whatever arrives while a batch is being
written goes into the next one. Under load a transaction carries many messages; alone, a message waits for nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from channels.base import InboundMessage
from inbox.actions.ingest import IngestOutcome, IngestRejected, do_ingest_batch
from inbox.blobs import BlobStore
from inbox.settings import Settings
from inbox.store import Store


@dataclass
class _Pending:
    message: InboundMessage
    done: asyncio.Future[IngestOutcome] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class IngestBatcher:
    def __init__(
        self,
        store: Store,
        blobs: BlobStore,
        settings: Settings,
        *,
        max_batch: int = 200,
        writers: int | None = None,
    ) -> None:
        self.store = store
        self.blobs = blobs
        self.settings = settings
        self.max_batch = max_batch
        # SQLite has one writer however many we start; PostgreSQL overlaps one batch's I/O with the next's work.
        self.writers = writers or (1 if store.is_sqlite else 2)
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []

    async def submit(self, message: InboundMessage) -> IngestOutcome:
        """Store ``message`` (raising ``IngestRejected`` once it is quarantined) and return where it went."""
        if not self._tasks:
            self.start()
        pending = _Pending(message)
        self._queue.put_nowait(pending)
        return await pending.done

    def start(self) -> None:
        if not self._tasks:
            self._tasks = [asyncio.create_task(self._write_batches()) for _ in range(self.writers)]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def _write_batches(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self.max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            await self._write(batch)

    async def _write(self, batch: list[_Pending]) -> None:
        try:
            results = await do_ingest_batch(self.store, self.blobs, self.settings, [p.message for p in batch])
        except Exception as error:
            if len(batch) > 1:
                # One message the store rejects must not fail its neighbours: write each alone, so only the
                # culprit reports the error (and its sender's retry or the poller's checkpoint holds it).
                for pending in batch:
                    await self._write([pending])
                return
            if not batch[0].done.done():
                batch[0].done.set_exception(error)
            return
        for pending, result in zip(batch, results, strict=True):
            if pending.done.done():
                continue
            if isinstance(result, IngestRejected):
                pending.done.set_exception(result)
            else:
                pending.done.set_result(result)

"""Sending a claimed batch: at a steady pace, several at a time, with outcomes committed as they come in.

Each message's start is scheduled on a fixed grid (one slot every 1/rate seconds), so the measured rate is the
configured one however long each send takes; several sends may be in flight at once (one per pooled SMTP
connection). Outcomes are committed by a background flusher many at a time, so a worker killed mid-batch
leaves at most the last fraction of a second of sends unrecorded, and never costs a transaction per message.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from channels.base import Channel, OutboundMessage, PermanentChannelError, TransientChannelError
from inbox.actions.campaign_claim import Claim, ClaimedSend
from inbox.actions.campaign_record import SendOutcome, do_record_outcomes, do_release_claims
from inbox.models import utcnow
from workers.context import JobContext

Clock = Callable[[], datetime]
CLOCK_KEY = "campaign_clock"
FLUSH_SECONDS = 0.2
FLUSH_SIZE = 200
SMS_CONCURRENCY = 8


def campaign_clock(ctx: JobContext) -> Clock:
    """The time quiet hours and claims are judged by; tests put a controlled clock in the context."""
    clock = ctx.extras.get(CLOCK_KEY)
    return clock if callable(clock) else utcnow


class Pacer:
    """Start times on a fixed grid; ``next_slot`` is carried to the next batch so the grid continues."""

    def __init__(self, rate: float, next_slot: float = 0.0) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.next_slot = max(time.time(), next_slot)

    async def wait_turn(self) -> None:
        if not self.interval:
            return
        delay = self.next_slot - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        elif delay < -max(self.interval * 5, 1.0):
            # Far behind (the batch boundary took a while): start afresh rather than burst to catch up.
            self.next_slot = time.time()
        self.next_slot += self.interval


class OutcomeFlusher:
    def __init__(self, ctx: JobContext, claim: Claim, clock: Clock, claim_seconds: float) -> None:
        self._ctx = ctx
        self._claim = claim
        self._clock = clock
        self._claim_seconds = claim_seconds
        self._renewed = time.monotonic()
        self._pending: list[SendOutcome] = []
        self._wake = asyncio.Event()
        self._done = False
        self._task = asyncio.create_task(self._loop())

    def add(self, outcome: SendOutcome) -> None:
        self._pending.append(outcome)
        if len(self._pending) >= FLUSH_SIZE:
            self._wake.set()

    async def _flush(self) -> None:
        batch, self._pending = self._pending, []
        # The claim is renewed well before it runs out (a quarter of its length), in the same transaction.
        renew = time.monotonic() - self._renewed > self._claim_seconds / 4
        if batch or renew:
            extend = utcnow() + timedelta(seconds=self._claim_seconds) if renew else None
            await do_record_outcomes(
                self._ctx.store,
                self._claim.token,
                self._claim.channel,
                batch,
                now=self._clock(),
                retry_delay_seconds=self._ctx.retry.delay_after(1),
                extend_until=extend,
            )
            if renew:
                self._renewed = time.monotonic()

    async def _loop(self) -> None:
        while not self._done:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=FLUSH_SECONDS)
            self._wake.clear()
            await self._flush()

    async def close(self) -> None:
        self._done = True
        self._wake.set()
        await self._task
        await self._flush()


async def _send_one(adapter: Channel, outbound: OutboundMessage, item: ClaimedSend) -> SendOutcome:
    try:
        external_id = await adapter.send(outbound)
    except PermanentChannelError as error:
        return SendOutcome(item.recipient_id, item.message_id, error=error.reason, permanent=True, code=error.code)
    except TransientChannelError as error:
        return SendOutcome(item.recipient_id, item.message_id, error=error.reason, code=error.code)
    except Exception as error:
        return SendOutcome(item.recipient_id, item.message_id, error=f"{type(error).__name__}: {error}")
    return SendOutcome(
        item.recipient_id, item.message_id, external_id=external_id, stored_external_id=item.external_id_hint
    )


async def send_paced(
    ctx: JobContext,
    adapter: Channel,
    claim: Claim,
    build: Callable[[ClaimedSend], OutboundMessage],
    pacer: Pacer,
    clock: Clock,
    claim_seconds: float,
) -> None:
    """Send the claim's messages; those not started within a third of the claim's length are handed back, so a
    batch slowed down by load ends long before anything could take its rows over."""
    concurrency = ctx.settings.email.smtp_pool_size if claim.channel == "email" else SMS_CONCURRENCY
    slots = asyncio.Semaphore(max(1, concurrency))
    flusher = OutcomeFlusher(ctx, claim, clock, claim_seconds)
    running: set[asyncio.Task[None]] = set()
    stop_starting_at = time.monotonic() + claim_seconds / 3
    unstarted: list[int] = []

    async def one(item: ClaimedSend) -> None:
        try:
            flusher.add(await _send_one(adapter, build(item), item))
        finally:
            slots.release()

    try:
        for position, item in enumerate(claim.sends):
            await slots.acquire()
            if time.monotonic() > stop_starting_at:
                slots.release()
                unstarted = [later.recipient_id for later in claim.sends[position:]]
                break
            await pacer.wait_turn()
            task = asyncio.create_task(one(item))
            running.add(task)
            task.add_done_callback(running.discard)
        if running:
            await asyncio.gather(*running)
    finally:
        await flusher.close()
    await do_release_claims(ctx.store, claim.token, unstarted)

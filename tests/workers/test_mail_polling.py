"""The mailbox readers of ``workers.mail_polling`` against a real Dovecot, storing into the real store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import trustme
from sqlalchemy import func, select

from channels.base import ChannelName, DeliveryUpdate, InboundMessage
from inbox.actions.cursors import do_set_cursor, read_cursor
from inbox.models import Message
from inbox.settings import Settings
from inbox.sink import StoreSink
from tests.channels.email.dovecot_server import ImapAccount
from tests.workers.email_hub import (
    append,
    customer_mail,
    eventually,
    stored_ids,
    trust_file,
    wait_for_stored,
    with_email,
)
from workers.context import JobContext
from workers.mail_polling import CursorCheckpoints, MailPolling, build_mail_polling


@pytest.fixture
def settings(settings: Settings, dovecot: ImapAccount, certificate_authority: trustme.CA, tmp_path: Path) -> Settings:
    return with_email(settings, trust_file(certificate_authority, tmp_path), imap=dovecot)


@dataclass
class CountingSink:
    """The store's sink, noting every message handed to it, so a repeat is visible even though the store
    would absorb it."""

    inner: StoreSink
    handed: list[str] = field(default_factory=list)

    async def ingest(self, message: InboundMessage) -> None:
        self.handed.append(message.external_id)
        await self.inner.ingest(message)

    async def delivery_update(self, update: DeliveryUpdate) -> None:
        await self.inner.delivery_update(update)

    async def quarantine(self, channel: ChannelName, raw: bytes, reason: str) -> None:
        await self.inner.quarantine(channel, raw, reason)


@pytest.fixture
async def sink(ctx: JobContext) -> AsyncIterator[CountingSink]:
    inner = StoreSink(ctx.store, ctx.blobs, ctx.settings)
    yield CountingSink(inner)
    await inner.close()


def polling(ctx: JobContext, sink: CountingSink) -> MailPolling:
    built = build_mail_polling(ctx.settings, ctx.store, sink)
    assert built is not None
    return built


async def test_mail_appended_while_idling_is_stored(ctx: JobContext, sink: CountingSink, dovecot: ImapAccount) -> None:
    reader = polling(ctx, sink)
    reader.start()
    try:
        (poller,) = reader.pollers
        await poller.idling.wait()
        await append(dovecot, customer_mail(1))
        await wait_for_stored(ctx.store, "guest1@example.com")

        async def checkpointed() -> bool:
            cursor = await read_cursor(ctx.store, poller.key)
            return cursor is not None and cursor["last_uid"] == 1

        # The checkpoint moves once the message is stored, never before.
        await eventually(checkpointed, "the checkpoint to pass the message")
    finally:
        await reader.stop()
    async with ctx.store.read() as session:
        stored = (await session.execute(select(Message))).scalar_one()
    assert (stored.channel, stored.subject, stored.recipient) == ("email", "Booking question 1", "support@hub.test")


async def test_a_restart_neither_repeats_nor_misses(ctx: JobContext, sink: CountingSink, dovecot: ImapAccount) -> None:
    await append(dovecot, customer_mail(1), customer_mail(2))
    first = polling(ctx, sink)
    first.start()
    try:
        await wait_for_stored(ctx.store, "guest1@example.com", "guest2@example.com")
    finally:
        await first.stop()
    # Mail that arrives while the hub is down is picked up at the next start.
    await append(dovecot, customer_mail(3), customer_mail(4))
    second = polling(ctx, sink)
    second.start()
    try:
        await wait_for_stored(ctx.store, "guest3@example.com", "guest4@example.com")
    finally:
        await second.stop()
    expected = [f"guest{n}@example.com" for n in (1, 2, 3, 4)]
    assert sorted(sink.handed) == expected
    assert sorted(await stored_ids(ctx.store)) == expected


async def test_a_new_uidvalidity_falls_back_to_unseen_mail(
    ctx: JobContext, sink: CountingSink, dovecot: ImapAccount
) -> None:
    reader = polling(ctx, sink)
    (poller,) = reader.pollers
    # A checkpoint from before the server renumbered the mailbox: its UIDs no longer mean anything.
    await do_set_cursor(ctx.store, poller.key, {"uidvalidity": 1, "last_uid": 999})
    await append(dovecot, customer_mail(1), customer_mail(2))
    reader.start()
    try:
        await wait_for_stored(ctx.store, "guest1@example.com", "guest2@example.com")

        async def renumbered() -> bool:
            checkpoint = await CursorCheckpoints(ctx.store).get(poller.key)
            return checkpoint is not None and checkpoint.uidvalidity != 1 and checkpoint.last_uid == 2

        await eventually(renumbered, "the checkpoint to take the new UIDVALIDITY")
    finally:
        await reader.stop()
    async with ctx.store.read() as session:
        assert (await session.execute(select(func.count()).select_from(Message))).scalar_one() == 2


async def test_no_polling_without_configured_mailboxes(ctx: JobContext, sink: CountingSink) -> None:
    bare = ctx.settings.model_copy(update={"email": ctx.settings.email.model_copy(update={"mailboxes": []})})
    assert build_mail_polling(bare, ctx.store, sink) is None

"""Reading the configured IMAP mailboxes: one poller per mailbox, its checkpoint kept in the store, every message
handed to the store's sink as an email, a fax or a delivery report.

It runs in the process that runs jobs (``hub serve`` with the embedded runner, ``hub worker`` with arq), so a
web-only process never competes with the worker for the same mailbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from channels.base import InboundSink
from channels.email import Checkpoint, EmailChannel, ImapPoller, RawMailHandler, deliver_mail
from channels.fax import FaxChannel
from inbox.actions.cursors import do_set_cursor, read_cursor
from inbox.settings import Settings
from inbox.store import Store
from workers.email_setup import compose_config, fax_config, imap_configs, parse_config
from workers.mail_parsing import ParsingPool

log = logging.getLogger("hub.mail")


class CursorCheckpoints:
    """A poller's (UIDVALIDITY, last UID) in the store's sync cursors, committed with each handed-over batch."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def get(self, key: str) -> Checkpoint | None:
        position = await read_cursor(self.store, key)
        if position is None:
            return None
        return Checkpoint(uidvalidity=int(position["uidvalidity"]), last_uid=int(position["last_uid"]))

    async def set(self, key: str, checkpoint: Checkpoint) -> None:
        position = {"uidvalidity": checkpoint.uidvalidity, "last_uid": checkpoint.last_uid}
        await do_set_cursor(self.store, key, position)


def mail_handler(settings: Settings, sink: InboundSink, pool: ParsingPool | None = None) -> RawMailHandler:
    """Parsing needs no SMTP connection, so the readers are built here rather than taken from the registry."""
    if pool is not None:

        async def handle_elsewhere(raw: bytes) -> None:
            await pool.deliver(raw, sink)

        return handle_elsewhere
    email = EmailChannel(parse_config(settings), compose_config(settings))
    gateway = fax_config(settings)
    fax = FaxChannel(gateway, compose_config(settings), None, parse_config(settings)) if gateway else None

    async def handle(raw: bytes) -> None:
        await deliver_mail(raw, sink, email, fax)

    return handle


class MailPolling:
    def __init__(self, pollers: list[ImapPoller], pool: ParsingPool | None = None) -> None:
        self.pollers = pollers
        self.pool = pool
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        if not self._tasks:
            self._tasks = [asyncio.create_task(poller.run_forever()) for poller in self.pollers]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        if self.pool is not None:
            self.pool.close()


def build_mail_polling(settings: Settings, store: Store, sink: InboundSink) -> MailPolling | None:
    if not settings.email.enabled or not settings.email.mailboxes:
        return None
    pool = None
    if settings.email.parse_processes:
        pool = ParsingPool(
            settings.email.parse_processes, parse_config(settings), compose_config(settings), fax_config(settings)
        )
    handler = mail_handler(settings, sink, pool)
    checkpoints = CursorCheckpoints(store)
    pollers = [ImapPoller(config, checkpoints, handler) for config in imap_configs(settings.email)]
    for poller in pollers:
        log.info("reading mail from %s", poller.key)
    return MailPolling(pollers, pool)


def start_mail_polling(settings: Settings, store: Store, sink: InboundSink) -> MailPolling | None:
    polling = build_mail_polling(settings, store, sink)
    if polling is not None:
        polling.start()
    return polling

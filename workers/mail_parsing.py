"""Reading inbound mail in worker processes, so parsing (pure CPU) runs beside the event loop that stores it.

A process reads one raw mail the way ``deliver_mail`` asks: whether the fax gateway claims it, the delivery
updates it carries, the messages it holds or why it cannot be read. Those answers come back, and
``deliver_mail`` is run on them in the event loop, so what goes to the store is decided in one place whether or
not parsing ran elsewhere.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from channels.base import ChannelName, DeliveryUpdate, InboundMessage, InboundSink, UnparseableInput
from channels.email import ComposeConfig, EmailChannel, ParseConfig, deliver_mail
from channels.fax import FaxChannel
from channels.fax_config import FaxConfig


@dataclass(slots=True)
class Answers:
    """What one reader said about one mail; a reason instead of messages when it could not be read."""

    name: ChannelName
    claimed: bool
    updates: list[DeliveryUpdate]
    messages: list[InboundMessage]
    unreadable: str | None = None

    def accepts(self, raw: bytes) -> bool:
        return self.claimed

    def delivery_updates(self, raw: bytes) -> list[DeliveryUpdate]:
        return self.updates

    def parse(self, raw: bytes) -> list[InboundMessage]:
        if self.unreadable is not None:
            raise UnparseableInput(self.unreadable)
        return self.messages


_readers: tuple[EmailChannel, FaxChannel | None] | None = None


def _start(parse: ParseConfig, compose: ComposeConfig, fax: FaxConfig | None) -> None:
    global _readers
    _readers = (EmailChannel(parse, compose), FaxChannel(fax, compose, None, parse) if fax else None)


def _read(raw: bytes) -> Answers:
    assert _readers is not None, "the worker process was started without its readers"
    email, fax = _readers
    claimed = fax is not None and fax.accepts(raw)
    reader: EmailChannel | FaxChannel = fax if claimed and fax is not None else email
    try:
        updates = reader.delivery_updates(raw)
    except UnparseableInput:
        updates = []
    if claimed and updates:
        # A gateway's status report about a fax we sent is only that; it is not parsed as a fax.
        return Answers(reader.name, claimed, updates, [])
    try:
        return Answers(reader.name, claimed, updates, reader.parse(raw))
    except UnparseableInput as exc:
        return Answers(reader.name, claimed, updates, [], exc.reason)


class ParsingPool:
    def __init__(self, processes: int, parse: ParseConfig, compose: ComposeConfig, fax: FaxConfig | None) -> None:
        # "spawn" starts clean interpreters: forking a process that runs an event loop and database pools would
        # copy them half-alive.
        self._executor = ProcessPoolExecutor(
            max_workers=processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start,
            initargs=(parse, compose, fax),
        )

    async def deliver(self, raw: bytes, sink: InboundSink) -> None:
        answers = await asyncio.get_running_loop().run_in_executor(self._executor, _read, raw)
        await deliver_mail(raw, sink, answers, answers if answers.claimed else None)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

"""Fetching new mail from an IMAP mailbox with aioimaplib and handing each raw message to the hub.

The position in the mailbox is a checkpoint of (UIDVALIDITY, last UID) kept by the store, so a restart resumes
exactly where the last run stopped. The checkpoint only moves after the handler has taken a message, so a
crash can at worst hand a message over twice, which the store absorbs by its unique (channel, external id)
key; it can never skip one. When the server reports a new UIDVALIDITY the old UIDs mean nothing any more, so
the poller falls back to what is still unprocessed on the server: unseen mail, or everything left in the
mailbox when processed mail is moved.

New mail is noticed with IDLE when the server offers it, otherwise by polling; connection failures are retried
with exponential back-off.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import ssl
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import aioimaplib

from channels.email.config import AfterFetch, ImapConfig, ImapSecurity

log = logging.getLogger(__name__)

RawMailHandler = Callable[[bytes], Awaitable[None]]

# aioimaplib handles the lines of one network read recursively, one stack frame per line; a MOVE of a large
# batch answers with one EXPUNGE line per message, so batches stay far below the recursion limit.
_MAX_BATCH = 200
_UIDVALIDITY = re.compile(rb"\[UIDVALIDITY (\d+)\]")
_FETCH_UID = re.compile(rb"\bUID (\d+)")


@dataclass(frozen=True, slots=True)
class Checkpoint:
    uidvalidity: int
    last_uid: int


class CheckpointStore(Protocol):
    async def get(self, key: str) -> Checkpoint | None: ...

    async def set(self, key: str, checkpoint: Checkpoint) -> None: ...


class ImapError(Exception):
    """The server refused a command; the session is dropped and rebuilt."""


class ImapPoller:
    def __init__(
        self,
        config: ImapConfig,
        checkpoints: CheckpointStore,
        handler: RawMailHandler,
        *,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._config = config
        self._checkpoints = checkpoints
        self._handler = handler
        self._ssl_context = ssl_context
        self._client: aioimaplib.IMAP4 | None = None
        self._uidvalidity = 0
        self._lost_signal: asyncio.Future[None] | None = None
        # Set while the session waits in IDLE; lets callers know new mail will be noticed at once.
        self.idling = asyncio.Event()
        self.key = f"imap:{config.username}@{config.host}:{config.port}/{config.mailbox}"

    async def run_forever(self) -> None:
        """Sync, then wait for new mail, forever; cancel the task to stop it."""
        failures = 0
        while True:
            try:
                await self.sync_once()
                failures = 0
                await self._wait_for_mail()
            except asyncio.CancelledError:
                await self.aclose()
                raise
            except (OSError, TimeoutError, ImapError, aioimaplib.AioImapException) as exc:
                failures += 1
                delay = self._backoff(failures)
                log.warning("IMAP %s failed (%s); reconnecting in %.1f s", self.key, exc, delay)
                await self._drop()
                await asyncio.sleep(delay)

    async def sync_once(self) -> int:
        """Hand over every message newer than the checkpoint; returns how many were handed over."""
        client = await self._connected()
        # A selected mailbox shows mail delivered by other sessions only after the server syncs it, which NOOP
        # asks for; a search alone may run against the older view.
        await self._command(client.noop(), "NOOP")
        stored = await self._checkpoints.get(self.key)
        if stored is not None and stored.uidvalidity == self._uidvalidity:
            last_uid = stored.last_uid
            uids = [uid for uid in await self._search(client, f"UID {last_uid + 1}:*") if uid > last_uid]
        else:
            # First run, or the server renumbered the mailbox: take what is still unprocessed there.
            last_uid = 0
            # Taken before the search: mail arriving in between is then either found by the search or above
            # this mark, never skipped by a checkpoint that jumped past it.
            highest = await self._highest_uid(client)
            criteria = "UNSEEN" if self._config.after_fetch is AfterFetch.MARK_SEEN else "ALL"
            uids = await self._search(client, criteria)
            if not uids:
                await self._checkpoints.set(self.key, Checkpoint(self._uidvalidity, highest))
        handed = 0
        size = max(1, min(self._config.batch_size, _MAX_BATCH))
        for start in range(0, len(uids), size):
            batch = uids[start : start + size]
            done = await self._fetch_and_hand_over(client, batch)
            if done:
                await self._after_fetch(client, done)
                last_uid = max(last_uid, *done)
                await self._checkpoints.set(self.key, Checkpoint(self._uidvalidity, last_uid))
                handed += len(done)
            if len(done) < len(batch):
                raise ImapError("the handler failed; the rest of the batch waits for the next round")
        return handed

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            # An IDLE in progress was already ended (DONE) by the wait it belonged to; LOGOUT queues behind it.
            await asyncio.wait_for(self._command(client.logout(), "LOGOUT"), self._config.timeout_seconds)
        except (OSError, TimeoutError, ImapError, aioimaplib.AioImapException):
            pass
        finally:
            _close_transport(client)

    async def _connected(self) -> aioimaplib.IMAP4:
        if self._client is not None:
            return self._client
        config = self._config
        client: aioimaplib.IMAP4
        context = self._ssl_context or ssl.create_default_context(cafile=config.ca_file)
        if config.security is ImapSecurity.TLS:
            client = aioimaplib.IMAP4_SSL(
                host=config.host, port=config.port, timeout=config.timeout_seconds, ssl_context=context
            )
        else:
            client = aioimaplib.IMAP4(host=config.host, port=config.port, timeout=config.timeout_seconds)
        self._watch_connection(client)
        await client.wait_hello_from_server()
        if config.security is ImapSecurity.STARTTLS:
            await self._start_tls(client, context)
        await self._command(client.login(config.username, config.password), "LOGIN")
        selected = await self._command(client.select(config.mailbox), f"SELECT {config.mailbox}")
        self._uidvalidity = _uidvalidity(selected.lines)
        if config.after_fetch is AfterFetch.MOVE:
            # Creating an existing folder fails harmlessly; the MOVE below reports real problems.
            await client.create(config.move_to)
        self._client = client
        return client

    async def _start_tls(self, client: aioimaplib.IMAP4, context: ssl.SSLContext) -> None:
        # aioimaplib knows the STARTTLS command but has no call for it, so the upgrade is done here: the
        # command, then asyncio's in-place TLS upgrade of the protocol's transport, then a fresh CAPABILITY,
        # because the one announced in clear text must not be trusted (RFC 3501 §6.2.1).
        protocol = client.protocol
        if "STARTTLS" not in protocol.capabilities:
            raise ImapError("the server does not offer STARTTLS")
        command = aioimaplib.Command("STARTTLS", protocol.new_tag(), loop=protocol.loop)
        _check(await asyncio.wait_for(protocol.execute(command), self._config.timeout_seconds), "STARTTLS")
        loop = asyncio.get_running_loop()
        protocol.transport = await loop.start_tls(
            protocol.transport,
            protocol,
            context,
            server_hostname=self._config.host,
            ssl_handshake_timeout=self._config.timeout_seconds,
        )
        await asyncio.wait_for(protocol.capability(), self._config.timeout_seconds)

    async def _search(self, client: aioimaplib.IMAP4, criteria: str) -> list[int]:
        response = await self._command(client.uid_search(criteria), f"UID SEARCH {criteria}")
        uids: list[int] = []
        for line in response.lines[:-1]:
            uids.extend(int(token) for token in bytes(line).split() if token.isdigit())
        return sorted(set(uids))

    async def _highest_uid(self, client: aioimaplib.IMAP4) -> int:
        return max(await self._search(client, "UID *") or [0])

    async def _fetch_and_hand_over(self, client: aioimaplib.IMAP4, uids: Sequence[int]) -> list[int]:
        uid_set = ",".join(str(uid) for uid in uids)
        # BODY.PEEK leaves \Seen alone: the flag is set only once the hub holds the message.
        response = await self._command(client.uid("fetch", uid_set, "(UID BODY.PEEK[])"), "UID FETCH")
        fetched = _fetched_messages(response.lines)
        # Handed over together, so a sink that commits in groups stores the whole batch in one transaction.
        outcomes = await asyncio.gather(*(self._handler(raw) for _, raw in fetched), return_exceptions=True)
        done: list[int] = []
        for (uid, _), outcome in zip(fetched, outcomes, strict=True):
            if isinstance(outcome, BaseException) and not isinstance(outcome, Exception):
                raise outcome
            if isinstance(outcome, Exception):
                log.error("handing over IMAP message %s of %s failed", uid, self.key, exc_info=outcome)
                # Only the unbroken run before the failure counts: the checkpoint must never pass a message
                # the hub does not hold. Later ones are handed over again next round, which the store absorbs.
                break
            done.append(uid)
        return done

    async def _after_fetch(self, client: aioimaplib.IMAP4, uids: Sequence[int]) -> None:
        uid_set = ",".join(str(uid) for uid in uids)
        if self._config.after_fetch is AfterFetch.MOVE:
            await self._command(client.uid("move", uid_set, self._config.move_to), "UID MOVE")
        else:
            await self._command(client.uid("store", uid_set, "+FLAGS.SILENT", "(\\Seen)"), "UID STORE")

    async def _wait_for_mail(self) -> None:
        client = await self._connected()
        if not (self._config.use_idle and client.has_capability("IDLE")):
            await asyncio.sleep(self._config.poll_interval_seconds)
            return
        idle = await client.idle_start(timeout=self._config.idle_renew_seconds)
        self.idling.set()
        try:
            while True:
                pushed = await client.wait_server_push(timeout=self._config.idle_renew_seconds)
                if self._lost(client):
                    raise ImapError("connection lost while idling")
                if pushed == aioimaplib.STOP_WAIT_SERVER_PUSH or _needs_sync(pushed):
                    break
        except TimeoutError:
            pass
        finally:
            self.idling.clear()
            if self._lost(client):
                idle.cancel()
            elif client.has_pending_idle():
                client.idle_done()
        await asyncio.wait_for(idle, self._config.timeout_seconds)

    async def _command(self, command: Awaitable[aioimaplib.Response], name: str) -> aioimaplib.Response:
        """Run one command, giving up at once if the server hangs up: aioimaplib would otherwise leave the
        command waiting for its full timeout."""
        running = asyncio.ensure_future(command)
        signal = self._lost_signal
        if signal is None:
            return _check(await running, name)
        done, _ = await asyncio.wait({running, signal}, return_when=asyncio.FIRST_COMPLETED)
        if running in done:
            return _check(running.result(), name)
        running.cancel()
        raise ImapError(f"connection lost during {name}")

    def _lost(self, client: aioimaplib.IMAP4) -> bool:
        return self._client is not client

    def _watch_connection(self, client: aioimaplib.IMAP4) -> None:
        signal: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._lost_signal = signal

        def lost(exc: Exception | None) -> None:
            if not signal.done():
                signal.set_result(None)
            if not self._lost(client):
                self._client = None
                # Wakes a pending IDLE wait, which would otherwise sleep until its renewal time.
                client.protocol.idle_queue.put_nowait(aioimaplib.STOP_WAIT_SERVER_PUSH)

        client.protocol.conn_lost_cb = lost

    async def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            _close_transport(client)

    def _backoff(self, failures: int) -> float:
        ceiling = min(
            self._config.reconnect_max_seconds,
            self._config.reconnect_min_seconds * float(2 ** min(failures - 1, 30)),
        )
        # Jitter keeps many pollers from reconnecting to a recovering server in lockstep.
        return ceiling * random.uniform(0.5, 1.0)


def _close_transport(client: aioimaplib.IMAP4) -> None:
    protocol = client.protocol
    if protocol is not None and protocol.transport is not None:
        protocol.transport.close()


def _check(response: aioimaplib.Response, command: str) -> aioimaplib.Response:
    # An untagged NO or BYE next to a tagged OK means the session itself is broken (its mailbox was deleted,
    # the server is shutting down); carrying on would only repeat the same stale view.
    untagged_failure = any(
        not isinstance(line, bytearray) and bytes(line).startswith((b"NO ", b"BAD ", b"BYE "))
        for line in response.lines[:-1]
    )
    if response.result != "OK" or untagged_failure:
        detail = b" ".join(bytes(line) for line in response.lines if not isinstance(line, bytearray))
        raise ImapError(f"{command} answered {response.result}: {detail.decode('utf-8', 'replace')}")
    return response


def _uidvalidity(lines: Sequence[bytes | bytearray]) -> int:
    for line in lines:
        match = _UIDVALIDITY.search(bytes(line))
        if match:
            return int(match.group(1))
    raise ImapError("SELECT did not report UIDVALIDITY")


def _fetched_messages(lines: Sequence[bytes | bytearray]) -> list[tuple[int, bytes]]:
    """(uid, raw) pairs from a FETCH answer: header line, literal (a bytearray), closing line."""
    messages: list[tuple[int, bytes]] = []
    uid: int | None = None
    pending: bytes | None = None
    for line in lines:
        if isinstance(line, bytearray):
            pending = bytes(line)
            continue
        match = _FETCH_UID.search(line)
        if match:
            uid = int(match.group(1))
        if pending is not None and uid is not None:
            messages.append((uid, pending))
            uid, pending = None, None
    return messages


def _needs_sync(lines: object) -> bool:
    """Anything but a keep-alive ("OK Still here") ends the wait: new mail, expunges, flag changes by other
    clients, and errors such as a mailbox deleted under the session, which the next sync turns into a
    reconnect."""
    if not isinstance(lines, list):
        return False
    return any(isinstance(line, bytes | bytearray) and not bytes(line).startswith(b"OK") for line in lines)

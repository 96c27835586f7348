"""The IMAP poller against a real Dovecot server."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator

import aioimaplib
import pytest

from channels.email.config import AfterFetch, ImapConfig, ImapSecurity
from channels.email.imap import Checkpoint, ImapError, ImapPoller
from tests.channels.email.dovecot_server import PASSWORD, ImapAccount, admin_client

MAILBOX = "Support"
# Generous limits that only stop a hung test; nothing here measures speed.
HANG_GUARD_SECONDS = 20


class MemoryCheckpoints:
    def __init__(self) -> None:
        self.saved: dict[str, Checkpoint] = {}

    async def get(self, key: str) -> Checkpoint | None:
        return self.saved.get(key)

    async def set(self, key: str, checkpoint: Checkpoint) -> None:
        self.saved[key] = checkpoint


class Collector:
    def __init__(self, fail_on: bytes | None = None) -> None:
        self.raw: list[bytes] = []
        self.arrived: asyncio.Queue[bytes] = asyncio.Queue()
        self.fail_on = fail_on

    async def __call__(self, raw: bytes) -> None:
        if self.fail_on is not None and self.fail_on in raw:
            raise RuntimeError("store unavailable")
        self.raw.append(raw)
        self.arrived.put_nowait(raw)

    def ids(self) -> list[str]:
        return [raw.split(b"Message-ID: <")[1].split(b">")[0].decode() for raw in self.raw]


def _mail(number: int) -> bytes:
    return (
        f"From: customer{number}@example.com\r\nTo: support@hub.test\r\nSubject: Question {number}\r\n"
        f"Message-ID: <q{number}@example.com>\r\n\r\nQuestion number {number}\r\n"
    ).encode()


def _config(server: ImapAccount, **overrides: object) -> ImapConfig:
    values: dict[str, object] = {
        "host": "127.0.0.1",
        "port": server.port,
        "username": server.user,
        "password": PASSWORD,
        "security": ImapSecurity.NONE,
        "mailbox": MAILBOX,
        "batch_size": 2,
        "timeout_seconds": 10,
        "reconnect_min_seconds": 0.05,
        "reconnect_max_seconds": 0.2,
    }
    values.update(overrides)
    return ImapConfig(**values)  # type: ignore[arg-type]


@pytest.fixture
async def admin(dovecot: ImapAccount) -> AsyncIterator[aioimaplib.IMAP4]:
    client = await admin_client(dovecot)
    await client.create(MAILBOX)
    yield client
    await client.logout()


async def _append(admin: aioimaplib.IMAP4, *numbers: int) -> None:
    for number in numbers:
        response = await admin.append(_mail(number), mailbox=MAILBOX)
        assert response.result == "OK", response


async def _uids(admin: aioimaplib.IMAP4, mailbox: str, criteria: str) -> list[int]:
    selected = await admin.select(mailbox)
    assert selected.result == "OK", selected
    response = await admin.uid_search(criteria)
    return [int(token) for line in response.lines[:-1] for token in bytes(line).split()]


async def test_new_mail_is_handed_over_marked_seen_and_checkpointed(
    dovecot: ImapAccount, admin: aioimaplib.IMAP4
) -> None:
    await _append(admin, 1, 2, 3)
    store, collector = MemoryCheckpoints(), Collector()
    poller = ImapPoller(_config(dovecot), store, collector)
    try:
        assert await poller.sync_once() == 3
        assert await poller.sync_once() == 0
    finally:
        await poller.aclose()
    assert collector.raw == [_mail(1), _mail(2), _mail(3)]
    (checkpoint,) = store.saved.values()
    assert checkpoint.last_uid == 3
    assert await _uids(admin, MAILBOX, "UNSEEN") == []


async def test_restart_neither_repeats_nor_misses(dovecot: ImapAccount, admin: aioimaplib.IMAP4) -> None:
    store = MemoryCheckpoints()
    await _append(admin, 1, 2)
    first = Collector()
    poller = ImapPoller(_config(dovecot), store, first)
    await poller.sync_once()
    await poller.aclose()
    await _append(admin, 3, 4, 5)
    # Marking seen is not what prevents repeats: the checkpoint is. Clear the flags to prove it.
    assert (await admin.select(MAILBOX)).result == "OK"
    assert (await admin.uid("store", "1:*", "-FLAGS.SILENT", "(\\Seen)")).result == "OK"
    second = Collector()
    restarted = ImapPoller(_config(dovecot), store, second)
    try:
        await restarted.sync_once()
    finally:
        await restarted.aclose()
    assert first.ids() == ["q1@example.com", "q2@example.com"]
    assert second.ids() == ["q3@example.com", "q4@example.com", "q5@example.com"]


async def test_failed_handover_keeps_the_message_for_next_round(dovecot: ImapAccount, admin: aioimaplib.IMAP4) -> None:
    await _append(admin, 1, 2, 3)
    store = MemoryCheckpoints()
    failing = Collector(fail_on=b"<q2@example.com>")
    poller = ImapPoller(_config(dovecot), store, failing)
    try:
        with pytest.raises(ImapError, match="handler failed"):
            await poller.sync_once()
        assert failing.ids() == ["q1@example.com"]
        assert next(iter(store.saved.values())).last_uid == 1
        healthy = Collector()
        poller._handler = healthy
        await poller.sync_once()
    finally:
        await poller.aclose()
    assert healthy.ids() == ["q2@example.com", "q3@example.com"]


async def test_uidvalidity_change_is_handled(dovecot: ImapAccount, admin: aioimaplib.IMAP4) -> None:
    store = MemoryCheckpoints()
    await _append(admin, 1, 2, 3)
    poller = ImapPoller(_config(dovecot), store, Collector())
    await poller.sync_once()
    await poller.aclose()
    old = next(iter(store.saved.values()))

    # The mailbox is rebuilt (as after a server migration): UIDs restart at 1 under a new UIDVALIDITY.
    for _ in range(20):
        assert (await admin.delete(MAILBOX)).result == "OK"
        assert (await admin.create(MAILBOX)).result == "OK"
        selected = await admin.select(MAILBOX)
        if f"UIDVALIDITY {old.uidvalidity}]".encode() not in b" ".join(bytes(x) for x in selected.lines):
            break
        await asyncio.sleep(1)  # Dovecot derives UIDVALIDITY from the clock; wait for the next second.
    await admin.select("INBOX")
    await _append(admin, 4, 5)

    after = Collector()
    restarted = ImapPoller(_config(dovecot), store, after)
    try:
        await restarted.sync_once()
    finally:
        await restarted.aclose()
    assert after.ids() == ["q4@example.com", "q5@example.com"]
    new = next(iter(store.saved.values()))
    assert new.uidvalidity != old.uidvalidity
    assert new.last_uid == 2


async def test_move_after_fetch(dovecot: ImapAccount, admin: aioimaplib.IMAP4) -> None:
    await _append(admin, 1, 2, 3)
    collector = Collector()
    poller = ImapPoller(
        _config(dovecot, after_fetch=AfterFetch.MOVE, move_to="Processed"), MemoryCheckpoints(), collector
    )
    try:
        await poller.sync_once()
    finally:
        await poller.aclose()
    assert len(collector.raw) == 3
    assert await _uids(admin, MAILBOX, "ALL") == []
    assert len(await _uids(admin, "Processed", "ALL")) == 3


async def _run(poller: ImapPoller) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(poller.run_forever())
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_message_appended_during_idle_is_handed_over(dovecot: ImapAccount, admin: aioimaplib.IMAP4) -> None:
    collector = Collector()
    poller = ImapPoller(_config(dovecot), MemoryCheckpoints(), collector)
    async with contextlib.asynccontextmanager(_run)(poller):
        await asyncio.wait_for(poller.idling.wait(), HANG_GUARD_SECONDS)
        await _append(admin, 7)
        raw = await asyncio.wait_for(collector.arrived.get(), HANG_GUARD_SECONDS)
    assert raw == _mail(7)


async def test_polling_fallback_without_idle(dovecot: ImapAccount, admin: aioimaplib.IMAP4) -> None:
    collector = Collector()
    poller = ImapPoller(_config(dovecot, use_idle=False, poll_interval_seconds=0.1), MemoryCheckpoints(), collector)
    async with contextlib.asynccontextmanager(_run)(poller):
        await _append(admin, 8)
        raw = await asyncio.wait_for(collector.arrived.get(), HANG_GUARD_SECONDS)
    assert raw == _mail(8)
    assert not poller.idling.is_set()


async def test_reconnects_after_the_connection_drops(dovecot: ImapAccount, admin: aioimaplib.IMAP4) -> None:
    collector = Collector()
    poller = ImapPoller(_config(dovecot), MemoryCheckpoints(), collector)
    async with contextlib.asynccontextmanager(_run)(poller):
        await asyncio.wait_for(poller.idling.wait(), HANG_GUARD_SECONDS)
        # Kill every session of the user on the server side, as a restart or a network cut would.
        client = poller._client
        assert client is not None
        client.protocol.transport.abort()
        await _append(admin, 9)
        raw = await asyncio.wait_for(collector.arrived.get(), HANG_GUARD_SECONDS)
    assert raw == _mail(9)


@pytest.mark.parametrize("security", [ImapSecurity.TLS, ImapSecurity.STARTTLS])
async def test_encrypted_sessions(
    dovecot: ImapAccount, admin: aioimaplib.IMAP4, client_tls: ssl.SSLContext, security: ImapSecurity
) -> None:
    await _append(admin, 1)
    port = dovecot.tls_port if security is ImapSecurity.TLS else dovecot.port
    collector = Collector()
    poller = ImapPoller(
        _config(dovecot, security=security, port=port), MemoryCheckpoints(), collector, ssl_context=client_tls
    )
    try:
        assert await poller.sync_once() == 1
        session = poller._client
        assert session is not None
        assert session.protocol.transport.get_extra_info("ssl_object") is not None
    finally:
        await poller.aclose()
    assert collector.raw == [_mail(1)]


async def test_untrusted_certificate_is_refused(dovecot: ImapAccount) -> None:
    poller = ImapPoller(
        _config(dovecot, security=ImapSecurity.TLS, port=dovecot.tls_port), MemoryCheckpoints(), Collector()
    )
    with pytest.raises(ssl.SSLCertVerificationError):
        await poller.sync_once()
    await poller.aclose()


async def test_uidvalidity_change_while_running(dovecot: ImapAccount, admin: aioimaplib.IMAP4) -> None:
    store, collector = MemoryCheckpoints(), Collector()
    await _append(admin, 1, 2)
    poller = ImapPoller(_config(dovecot), store, collector)
    async with contextlib.asynccontextmanager(_run)(poller):
        for _ in range(2):
            await asyncio.wait_for(collector.arrived.get(), HANG_GUARD_SECONDS)
        # Idling means the round that handed the two messages over has also saved its checkpoint.
        await asyncio.wait_for(poller.idling.wait(), HANG_GUARD_SECONDS)
        before = next(iter(store.saved.values()))
        # Rebuilt under the running poller: the server ends its session, it reconnects and meets new UIDs.
        assert (await admin.delete(MAILBOX)).result == "OK"
        assert (await admin.create(MAILBOX)).result == "OK"
        await _append(admin, 3)
        raw = await asyncio.wait_for(collector.arrived.get(), HANG_GUARD_SECONDS)
        await asyncio.wait_for(poller.idling.wait(), HANG_GUARD_SECONDS)
    assert raw == _mail(3)
    after = next(iter(store.saved.values()))
    assert after.uidvalidity != before.uidvalidity
    assert after.last_uid == 1

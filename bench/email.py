"""Email throughput: 2,000 messages read from a real Dovecot by the hub's mailbox reader into the store, against a
raw aioimaplib FETCH of the same messages; and 2,000 replies sent through the email adapter to an aiosmtpd sink,
against a raw aiosmtplib loop building and sending the equivalent MIME message over as many connections.

Both servers run locally with TLS (a throw-away CA); the store is a scratch PostgreSQL database, or SQLite with
--sqlite.

Run: .venv/bin/python bench/email.py [--messages N] [--sqlite] [--parse-processes P]
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this folder is first on the path, where this file would hide the standard library's email
# package; the project root takes its place.
sys.path.pop(0)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import asyncio
import contextlib
import ssl
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, make_msgid
from pathlib import Path

import aioimaplib
import aiosmtplib
import asyncpg
import trustme
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from bench._report import target
from channels.base import ChannelName, Identity, IdentityKind, OutboundMessage
from channels.email import EmailChannel
from inbox.blobs import BlobStore
from inbox.migrate import upgrade
from inbox.models import Message
from inbox.settings import Settings, load_settings
from inbox.sink import StoreSink
from inbox.store import Store
from tests.channels.email.dovecot_server import PASSWORD as IMAP_PASSWORD
from tests.channels.email.dovecot_server import ImapAccount, running_dovecot
from tests.channels.email.smtp_sink import PASSWORD as SMTP_PASSWORD
from tests.channels.email.smtp_sink import USERNAME as SMTP_USERNAME
from tests.channels.email.smtp_sink import SinkHandler, authenticate
from tests.support.ports import free_port
from tests.workers.email_hub import with_email
from workers.email_setup import email_channel
from workers.mail_polling import build_mail_polling

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
CONNECTIONS = 4
BATCH = 100
TEXT = "Thank you for your message. Your booking has been moved to Tuesday; the confirmation follows.\n" * 3


def customer_mail(number: int) -> bytes:
    return (
        f"From: Guest {number % 500} <guest{number % 500}@example.com>\r\nTo: support@hub.test\r\n"
        f"Subject: Booking question {number}\r\nMessage-ID: <bench{number}@example.com>\r\n"
        "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
        'Content-Type: text/plain; charset="utf-8"\r\n\r\n'
        f"Hello, could booking {number} move to Tuesday?\r\n\r\n> earlier quoted text\r\n-- \r\nA guest\r\n"
    ).encode()


async def imap_session(account: ImapAccount, context: ssl.SSLContext) -> aioimaplib.IMAP4_SSL:
    client = aioimaplib.IMAP4_SSL(host="127.0.0.1", port=account.tls_port, ssl_context=context, timeout=60)
    await client.wait_hello_from_server()
    assert (await client.login(account.user, IMAP_PASSWORD)).result == "OK"
    return client


async def fill_mailbox(account: ImapAccount, context: ssl.SSLContext, count: int) -> None:
    async def appender(numbers: range) -> None:
        client = await imap_session(account, context)
        for number in numbers:
            assert (await client.append(customer_mail(number), mailbox="INBOX")).result == "OK"
        await client.logout()

    share = -(-count // CONNECTIONS)
    await asyncio.gather(*(appender(range(i, min(count, i + share))) for i in range(0, count, share)))


async def raw_fetch(account: ImapAccount, context: ssl.SSLContext, count: int) -> float:
    """The floor: one session fetching every message in batches of the same size, bodies counted, nothing kept."""
    started = time.perf_counter()
    client = await imap_session(account, context)
    assert (await client.select("INBOX")).result == "OK"
    fetched = 0
    for start in range(1, count + 1, BATCH):
        uid_set = f"{start}:{min(count, start + BATCH - 1)}"
        response = await client.uid("fetch", uid_set, "(UID BODY.PEEK[])")
        fetched += sum(1 for line in response.lines if isinstance(line, bytearray))
    await client.logout()
    assert fetched == count, fetched
    return time.perf_counter() - started


async def count_inbound(store: Store) -> int:
    async with store.read() as session:
        query = select(func.count()).select_from(Message).where(Message.direction == "inbound")
        return int((await session.execute(query)).scalar_one())


async def hub_ingest(settings: Settings, count: int) -> float:
    store = Store(settings)
    sink = StoreSink(store, BlobStore(settings.data_dir / "blobs"), settings)
    polling = build_mail_polling(settings, store, sink)
    assert polling is not None
    started = time.perf_counter()
    polling.start()
    try:
        # Checked against the store itself: a message counts once it is committed.
        while await count_inbound(store) < count:  # noqa: ASYNC110
            await asyncio.sleep(0.02)
        elapsed = time.perf_counter() - started
    finally:
        await polling.stop()
        await sink.close()
        await store.dispose()
    return elapsed


def reply(number: int) -> OutboundMessage:
    return OutboundMessage(
        channel=ChannelName.EMAIL,
        message_id=number,
        to=Identity(IdentityKind.EMAIL, f"guest{number % 500}@example.com", f"Guest {number % 500}"),
        text=TEXT,
        subject=f"Re: Booking question {number}",
        in_reply_to=f"bench{number}@example.com",
        references=(f"bench{number}@example.com",),
        metadata={"conversation_token": f"token{number}", "reference": f"[#{number}]"},
    )


async def hub_send(channel: EmailChannel, count: int) -> float:
    slots = asyncio.Semaphore(CONNECTIONS * 2)

    async def one(number: int) -> None:
        async with slots:
            await channel.send(reply(number))

    started = time.perf_counter()
    await asyncio.gather(*(one(number) for number in range(count)))
    return time.perf_counter() - started


def raw_mime(number: int) -> MIMEMultipart:
    """What a hand-written sender would build: text and HTML alternatives with the same threading headers."""
    message = MIMEMultipart("alternative")
    message.attach(MIMEText(TEXT, "plain", "utf-8"))
    message.attach(MIMEText(f"<p>{TEXT}</p>", "html", "utf-8"))
    message["From"] = "Hub Support <support@hub.test>"
    message["To"] = f"Guest {number % 500} <guest{number % 500}@example.com>"
    message["Reply-To"] = f"reply+token{number}@reply.hub.test"
    message["Subject"] = f"Re: Booking question {number}"
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain="hub.test")
    message["In-Reply-To"] = f"<bench{number}@example.com>"
    message["References"] = f"<bench{number}@example.com>"
    return message


async def raw_send(port: int, context: ssl.SSLContext, count: int) -> float:
    async def loop(numbers: range) -> None:
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, tls_context=context, start_tls=True)
        await client.connect()
        await client.login(SMTP_USERNAME, SMTP_PASSWORD)
        for number in numbers:
            message = raw_mime(number)
            await client.sendmail("support@hub.test", [f"guest{number % 500}@example.com"], message.as_bytes())
        await client.quit()

    share = -(-count // CONNECTIONS)
    started = time.perf_counter()
    await asyncio.gather(*(loop(range(i, min(count, i + share))) for i in range(0, count, share)))
    return time.perf_counter() - started


@contextlib.asynccontextmanager
async def scratch_database(use_sqlite: bool, folder: Path) -> AsyncIterator[str]:
    if use_sqlite:
        url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
        await asyncio.to_thread(upgrade, url)
        yield url
        return
    name = f"hub_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(POSTGRES_ADMIN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = POSTGRES_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + f"/{name}"
        await asyncio.to_thread(upgrade, url)
        yield url
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def start_tls_sink(handler: object, ca: trustme.CA, port: int) -> Controller:
    """An SMTP sink that, like a real relay, requires STARTTLS and a login before it takes mail."""
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server_context)
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        tls_context=server_context,
        require_starttls=True,
        auth_required=True,
        authenticator=authenticate,
    )
    controller.start()
    return controller


def smtp_sink(ca: trustme.CA) -> tuple[Controller, SinkHandler, int]:
    handler, port = SinkHandler(), free_port()
    return start_tls_sink(handler, ca, port), handler, port


async def timed(label: str, count: int, run: Callable[[], Awaitable[float]]) -> float:
    seconds = await run()
    rate = count / seconds
    print(f"{label}: {count} messages in {seconds:.2f}s = {rate:,.0f} msg/s", flush=True)
    return rate


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--sqlite", action="store_true", help="store in SQLite instead of PostgreSQL")
    parser.add_argument(
        "--parse-processes", type=int, default=0, help="[email] parse_processes (0: parse in the storing process)"
    )
    args = parser.parse_args()
    count = args.messages
    ca = trustme.CA()
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)

    with tempfile.TemporaryDirectory() as name, running_dovecot(ca) as dovecot:
        folder = Path(name)
        ca_file = folder / "ca.pem"
        ca.cert_pem.write_to_path(str(ca_file))
        account = ImapAccount(port=dovecot.port, tls_port=dovecot.tls_port, user="bench")
        await fill_mailbox(account, client_context, count)
        raw_in = await timed("raw aioimaplib FETCH", count, lambda: raw_fetch(account, client_context, count))
        controller, handler, port = smtp_sink(ca)
        try:
            async with scratch_database(args.sqlite, folder) as url:
                base = load_settings(database={"url": url, "pool_size": 8}, hub={"data_dir": str(folder)})
                settings = with_email(
                    base, ca_file, smtp_port=port, imap=account, mailbox={"batch_size": BATCH, "use_idle": True}
                )
                settings.email.smtp_pool_size = CONNECTIONS
                settings.email.parse_processes = args.parse_processes
                backend = "SQLite" if args.sqlite else "PostgreSQL"
                hub_in = await timed(f"hub IMAP reader + store ({backend})", count, lambda: hub_ingest(settings, count))
            channel = email_channel(settings)
            assert channel is not None
            try:
                hub_out = await timed(
                    f"hub EmailChannel.send, {CONNECTIONS} connections", count, lambda: hub_send(channel, count)
                )
            finally:
                await channel.aclose()
            raw_out = await timed(
                f"raw aiosmtplib loop, {CONNECTIONS} connections", count, lambda: raw_send(port, client_context, count)
            )
            assert len(handler.received) == 2 * count, len(handler.received)
        finally:
            controller.stop()

    print(f"ingest ratio hub/raw FETCH: {hub_in / raw_in:.3f}")
    print(f"outbound ratio hub/raw send: {hub_out / raw_out:.3f}")
    target("email_ingest_rate", hub_in, ">=", 200, "msg/s", digits=0)
    target("email_outbound_ratio", hub_out / raw_out, ">=", 0.7, digits=3)
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))

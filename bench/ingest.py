"""Ingest throughput: 20,000 normalized inbound messages through ``do_ingest``, on PostgreSQL and on SQLite,
against a raw batched INSERT of the same rows by the bare driver in the same run.

Run: .venv/bin/python bench/ingest.py [--messages N] [--concurrency C]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._report import target
from bench._scratch import scratch_database
from channels.base import ChannelName, Identity, IdentityKind, InboundMessage, ThreadHints
from inbox.blobs import BlobStore
from inbox.ingest_batcher import IngestBatcher
from inbox.migrate import upgrade
from inbox.settings import Settings, load_settings
from inbox.store import Store

TEXTS = (
    "Hello, I need to move my reservation to the following Tuesday. Is that possible?",
    "您好，我想把下周的预订改到周二，可以吗？谢谢！",
    "The invoice lists two nights but I stayed only one. Could you check it please?",
    "我上次入住的积分还没有记到会员账户里，麻烦查一下。",
)


@dataclass
class Run:
    label: str
    seconds: float
    latencies: list[float]
    count: int

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    def describe(self) -> str:
        if not self.latencies:
            return f"{self.label}: {self.count} rows in {self.seconds:.2f}s = {self.rate:,.0f} rows/s"
        ordered = sorted(self.latencies)
        p50 = statistics.median(ordered) * 1000
        p99 = ordered[int(len(ordered) * 0.99) - 1] * 1000
        return (
            f"{self.label}: {self.count} messages in {self.seconds:.2f}s = {self.rate:,.0f} messages/s, "
            f"p50 {p50:.2f} ms, p99 {p99:.2f} ms per message"
        )


def make_messages(count: int, seed: int = 7, prefix: str = "") -> list[InboundMessage]:
    rng = random.Random(seed)
    senders = 2000
    messages = []
    for number in range(count):
        customer = rng.randrange(senders)
        if customer % 3 == 0:
            channel, sender = ChannelName.SMS, Identity(IdentityKind.PHONE, f"+1415{customer:07d}")
            external, subject = f"SM{prefix}{uuid.UUID(int=rng.getrandbits(128)).hex}", None
            thread = ThreadHints()
        else:
            channel = ChannelName.EMAIL
            sender = Identity(IdentityKind.EMAIL, f"customer{customer}@example.com", f"Customer {customer}")
            external, subject = f"{prefix}{number}.{customer}@mail.example.com", f"Question {customer % 50}"
            earlier = f"{prefix}{number - 1}.{customer}@mail.example.com"
            thread = ThreadHints(references=(earlier,) if number else ())
        text = rng.choice(TEXTS)
        raw = (f"From: {sender.value}\r\nMessage-ID: <{external}>\r\nSubject: {subject}\r\n\r\n{text}\r\n").encode()
        messages.append(
            InboundMessage(
                channel=channel,
                external_id=external,
                sender=sender,
                subject=subject,
                text=text,
                raw=raw,
                thread=thread,
            )
        )
    return messages


async def run_hub(settings: Settings, messages: list[InboundMessage], concurrency: int, label: str) -> Run:
    """``concurrency`` callers each hand one message at a time to the ingest path, as webhook requests and mail
    pollers do; the batcher groups whatever arrives together into one ``do_ingest_batch`` transaction."""
    store = Store(settings)
    blobs = BlobStore(settings.data_dir / "blobs")
    batcher = IngestBatcher(store, blobs, settings)
    queue: asyncio.Queue[InboundMessage] = asyncio.Queue()
    for message in messages:
        queue.put_nowait(message)
    latencies: list[float] = []

    async def worker() -> None:
        while not queue.empty():
            message = queue.get_nowait()
            started = time.perf_counter()
            await batcher.submit(message)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    await batcher.stop()
    await store.dispose()
    return Run(label, elapsed, latencies, len(messages))


def rows_of(messages: list[InboundMessage], created_at: object) -> list[tuple[object, ...]]:
    return [
        (
            1,
            "inbound",
            m.channel.value,
            "message",
            m.subject,
            m.text,
            m.external_id,
            "received",
            False,
            created_at,
            "{}",
        )
        for m in messages
    ]


COLUMNS = (
    "conversation_id, direction, channel, kind, subject, text, external_id, delivery_status, is_automatic, "
    "created_at, details"
)


async def baseline_postgres(dsn: str, messages: list[InboundMessage]) -> Run:
    connection = await asyncpg.connect(dsn)
    await connection.execute(
        "CREATE TABLE raw_messages (LIKE messages INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)"
    )
    rows = rows_of(messages, datetime.now(UTC))
    started = time.perf_counter()
    for offset in range(0, len(rows), 1000):
        async with connection.transaction():
            await connection.executemany(
                f"INSERT INTO raw_messages ({COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11::jsonb)",
                rows[offset : offset + 1000],
            )
    elapsed = time.perf_counter() - started
    await connection.close()
    return Run("raw asyncpg batched INSERT (PostgreSQL)", elapsed, [], len(rows))


def baseline_sqlite(path: Path, messages: list[InboundMessage]) -> Run:
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    schema = connection.execute("SELECT sql FROM sqlite_master WHERE name = 'messages'").fetchone()[0]
    connection.execute(schema.replace("messages", "raw_messages", 1).replace("pk_messages", "pk_raw_messages"))
    rows = rows_of(messages, datetime.now(UTC).isoformat(sep=" "))
    started = time.perf_counter()
    for offset in range(0, len(rows), 1000):
        with connection:
            connection.executemany(
                f"INSERT INTO raw_messages ({COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                rows[offset : offset + 1000],
            )
    elapsed = time.perf_counter() - started
    connection.close()
    return Run("raw sqlite3 batched INSERT (SQLite)", elapsed, [], len(rows))


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=256)
    args = parser.parse_args()
    messages = make_messages(args.messages)
    results: dict[str, tuple[Run, Run]] = {}

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        url = f"sqlite+aiosqlite:///{path}"
        await asyncio.to_thread(upgrade, url)
        settings = load_settings(database={"url": url}, hub={"data_dir": folder})
        hub = await run_hub(settings, messages, args.concurrency, "hub ingest (SQLite)")
        results["sqlite"] = (hub, baseline_sqlite(path, messages))

    async with scratch_database() as (dsn, url):
        with tempfile.TemporaryDirectory() as folder:
            settings = load_settings(database={"url": url, "pool_size": 8}, hub={"data_dir": folder})
            hub = await run_hub(settings, messages, args.concurrency, "hub ingest (PostgreSQL)")
            # Latency when the hub is not saturated: a few callers, as a normal day's webhooks arrive.
            light = make_messages(2000, seed=11, prefix="light-")
            calm = await run_hub(settings, light, 8, "hub ingest (PostgreSQL, 8 callers)")
        results["postgres"] = (hub, await baseline_postgres(dsn, messages))

    print(f"{args.messages} messages from 2,000 customers (email and SMS), {args.concurrency} concurrent callers")
    for backend, (hub, raw) in results.items():
        print(hub.describe())
        print(raw.describe())
        print(f"ratio hub/raw on {backend}: {hub.rate / raw.rate:.3f}")
    print(calm.describe())
    target("ingest_postgres_rate", results["postgres"][0].rate, ">=", 1000, "msg/s", digits=0)
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))

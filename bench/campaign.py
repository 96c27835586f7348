"""Campaign sending: personalized emails from segment to SMTP sink through the whole hub (materialize, claim,
render, compose, send over pooled connections, record), against a raw aiosmtplib loop sending the same number of
personalized messages over the same number of connections, in the same run. Then the SMS pace: a campaign paced
at a configured rate against a local Twilio-compatible sink that timestamps every request.

The SMTP sink (aiosmtpd, STARTTLS and login) runs in a process of its own, so neither side shares its CPU with it.
The store is a scratch PostgreSQL database, or SQLite with --sqlite.

Run: python -m bench.campaign  (CAMPAIGN_BENCH_RECIPIENTS=5000 for a quick check; default 100,000)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

import aiosmtplib
import trustme
from aiohttp import web
from pydantic import SecretStr

from bench._report import target
from bench._scratch import scratch_database
from channels.registry import ChannelRegistry
from channels.sms import SmsChannel
from channels.twilio_config import TwilioConfig
from inbox.actions.campaign_control import do_start_campaign
from inbox.actions.campaign_edit import CampaignDraft, do_save_campaign, do_save_segment
from inbox.campaign_results import campaign_results
from inbox.migrate import upgrade
from inbox.models import Campaign
from inbox.settings import Settings, load_settings
from tests.channels.email.smtp_sink import PASSWORD, USERNAME
from tests.support.campaign_people import add_people, numbered
from tests.support.ports import free_port
from tests.workers.email_hub import with_email
from workers.composition import build_context, close_context
from workers.email_setup import email_channel
from workers.embedded import EmbeddedRunner

CONNECTIONS = 4
SUBJECT = "{{ customer.first_name }}, your winter offer"
HTML = (
    "<p>Dear {{ customer.name }},</p><p>As a {{ customer.tier }} member you save 15% on stays this winter.</p>"
    "<p>We look forward to welcoming you.</p>"
)
TEXT = "Dear {{ customer.name }},\n\nAs a {{ customer.tier }} member you save 15% on stays this winter.\n"
SMS_RATE = 20.0
SMS_RECIPIENTS = 300
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2


def load() -> str:
    return os.popen("uptime").read().strip()


def raw_message(number: int) -> bytes:
    """What a hand-written sender builds per customer: personalized text and HTML alternatives."""
    name = f"Guest guest{number}"
    message = MIMEMultipart("alternative")
    message.attach(MIMEText(f"Dear {name},\n\nAs a silver member you save 15% on stays this winter.\n", "plain"))
    message.attach(MIMEText(f"<p>Dear {name},</p><p>As a silver member you save 15% on stays this winter.</p>", "html"))
    message["From"] = "Hub Hotels <offers@hub.test>"
    message["To"] = f"{name} <guest{number}@example.com>"
    message["Subject"] = "Guest, your winter offer"
    message["Date"] = formatdate()
    message["Message-ID"] = make_msgid(domain="hub.test")
    return message.as_bytes()


async def raw_send(port: int, context: ssl.SSLContext, count: int) -> float:
    async def loop(numbers: range) -> None:
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, tls_context=context, start_tls=True)
        await client.connect()
        await client.login(USERNAME, PASSWORD)
        for number in numbers:
            await client.sendmail("offers@hub.test", [f"guest{number}@example.com"], raw_message(number))
        await client.quit()

    share = -(-count // CONNECTIONS)
    started = time.perf_counter()
    await asyncio.gather(*(loop(range(i, min(count, i + share))) for i in range(0, count, share)))
    return time.perf_counter() - started


@contextlib.contextmanager
def sink_process(folder: Path) -> Any:
    """The SMTP sink in its own process; its certificate is issued by a CA whose file it writes for us."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.campaign", "--sink", str(port), str(folder)],
        cwd=Path(__file__).resolve().parent.parent,
    )
    try:
        deadline = time.monotonic() + 60
        while not (folder / "sink-ready").exists():
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the SMTP sink did not start")
            time.sleep(0.05)
        yield port, folder / "sink-ca.pem", folder / "sink-count"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def sink_count(path: Path) -> int:
    with contextlib.suppress(FileNotFoundError, ValueError):
        return int(path.read_text() or 0)
    return 0


async def wait_done(settings: Settings, campaign_id: int) -> None:
    ctx = build_context(settings)
    try:
        while True:
            async with ctx.store.read() as session:
                campaign = await session.get(Campaign, campaign_id)
                assert campaign is not None
                if campaign.status not in ("sending", "scheduled"):
                    return
            await asyncio.sleep(0.25)
    finally:
        await close_context(ctx)


async def hub_campaign(settings: Settings, channels: ChannelRegistry, channel: str, count: int) -> tuple[float, int]:
    """Create the customers, send them a campaign; returns (seconds from start to done, messages sent)."""
    ctx = build_context(settings, channels)
    runner = EmbeddedRunner(ctx, concurrency=8)
    try:
        segment = await do_save_segment(ctx.store, name=f"bench {channel}", rules={"conditions": []})
        values: dict[str, Any] = (
            {"subject_template": SUBJECT, "html_template": HTML, "text_template": TEXT}
            if channel == "email"
            else {"text_template": "Hi {{ customer.first_name }}: 15% off this winter. Reply STOP to opt out."}
        )
        campaign_id = await do_save_campaign(
            ctx.store, CampaignDraft(name=f"bench {channel}", channel=channel, segment_id=segment, **values)
        )
        started = time.perf_counter()
        await do_start_campaign(ctx.store, campaign_id)
        runner.start()
        await wait_done(settings, campaign_id)
        seconds = time.perf_counter() - started
        async with ctx.store.read() as session:
            campaign = await session.get(Campaign, campaign_id)
            assert campaign is not None
            figures = await campaign_results(session, campaign, 14)
        return seconds, figures.sent
    finally:
        await runner.stop()
        await close_context(ctx)


class TwilioTimestamps:
    """A Twilio-compatible sink: answers every Messages request like Twilio and notes when it came."""

    def __init__(self) -> None:
        self.arrivals: list[float] = []

    async def handle(self, request: web.Request) -> web.Response:
        await request.post()
        self.arrivals.append(time.perf_counter())
        sid = f"SM{len(self.arrivals):032x}"
        return web.json_response({"sid": sid, "status": "queued"}, status=201)


@contextlib.asynccontextmanager
async def twilio_sink() -> AsyncIterator[tuple[TwilioTimestamps, str]]:
    sink = TwilioTimestamps()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", sink.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield sink, f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@contextlib.asynccontextmanager
async def store_url(use_sqlite: bool, folder: Path) -> AsyncIterator[str]:
    if use_sqlite:
        url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
        await asyncio.to_thread(upgrade, url)
        yield url
        return
    async with scratch_database() as (_dsn, url):
        yield url


def base_settings(url: str, folder: Path, **campaigns: Any) -> Settings:
    settings = load_settings(
        database={"url": url, "pool_size": 8},
        hub={"data_dir": str(folder), "public_url": "https://hub.example.com"},
        campaigns={"quiet_hours_start": "00:00", "quiet_hours_end": "00:00", "frequency_cap": 0, **campaigns},
    )
    settings.web.secret_key = SecretStr("bench-secret")
    return settings


async def email_part(args: argparse.Namespace, folder: Path) -> float:
    count = args.recipients
    with sink_process(folder) as (port, ca_file, counter):
        context = ssl.create_default_context(cafile=str(ca_file))
        cpu = time.process_time()
        raw_seconds = await raw_send(port, context, count)
        raw_cpu = (time.process_time() - cpu) / count * 1000
        raw_rate = count / raw_seconds
        print(f"raw aiosmtplib loop, {CONNECTIONS} connections: {count:,} in {raw_seconds:.1f}s = {raw_rate:,.0f}/s")
        # CPU per message of this process: steadier than rates on a shared machine, so worth comparing too.
        print(f"  this process's CPU: {raw_cpu:.2f} ms a message")
        print(f"  load: {load()}", flush=True)
        async with store_url(args.sqlite, folder) as url:
            settings = with_email(
                base_settings(url, folder, email_per_second=0, batch_size=1000, email_lanes=2), ca_file, smtp_port=port
            )
            settings.email.smtp_pool_size = CONNECTIONS
            build = build_context(settings, ChannelRegistry())
            started = time.perf_counter()
            await add_people(build.store, numbered(count))
            print(f"({count:,} customers created in {time.perf_counter() - started:.1f}s)")
            await close_context(build)
            channels = ChannelRegistry()
            adapter = email_channel(settings)
            assert adapter is not None
            channels.register(adapter)
            before = sink_count(counter)
            cpu = time.process_time()
            hub_seconds, sent = await hub_campaign(settings, channels, "email", count)
            hub_cpu = (time.process_time() - cpu) / count * 1000
        await asyncio.sleep(1)
        received = sink_count(counter) - before
        hub_rate = sent / hub_seconds
        backend = "SQLite" if args.sqlite else "PostgreSQL"
        print(
            f"hub campaign ({backend}, {CONNECTIONS} connections): {sent:,} sent in {hub_seconds:.1f}s = "
            f"{hub_rate:,.0f}/s (sink received {received:,})"
        )
        print(f"  this process's CPU: {hub_cpu:.2f} ms a message (the database server's not included)")
        print(f"  load: {load()}", flush=True)
    assert sent == count, (sent, count)
    ratio = float(hub_rate / raw_rate)
    print(f"ratio hub/raw: {ratio:.3f}")
    return ratio


async def sms_part(args: argparse.Namespace, folder: Path) -> float:
    async with twilio_sink() as (sink, url), store_url(args.sqlite, folder / "sms") as store:
        settings = base_settings(store, folder, sms_per_second=SMS_RATE)
        config = TwilioConfig(
            account_sid=ACCOUNT_SID,
            auth_token="bench-token",
            public_base_url="https://hub.example.com",
            api_base_url=url,
            sms_from="+14155550100",
        )
        channels = ChannelRegistry()
        channels.register(SmsChannel(config))
        build = build_context(settings, ChannelRegistry())
        await add_people(build.store, numbered(SMS_RECIPIENTS))
        await close_context(build)
        _, sent = await hub_campaign(settings, channels, "sms", SMS_RECIPIENTS)
        arrivals = sink.arrivals
    end_to_end = (len(arrivals) - 1) / (arrivals[-1] - arrivals[0])
    # The slope of arrival time over message number: one slow first request (a connection being opened) does not
    # tilt it the way it tilts first-to-last.
    n = len(arrivals)
    mean_x, mean_y = (n - 1) / 2, sum(arrivals) / n
    slope = sum((i - mean_x) * (t - mean_y) for i, t in enumerate(arrivals)) / sum((i - mean_x) ** 2 for i in range(n))
    measured = 1 / slope
    print(
        f"SMS pace: {sent} texts, configured {SMS_RATE:.1f}/s, measured {measured:.2f}/s "
        f"(first to last arrival: {end_to_end:.2f}/s)"
    )
    print(f"  load: {load()}", flush=True)
    return abs(measured / SMS_RATE - 1)


class CountingSink:
    """Counts accepted messages and keeps nothing: 100,000 bodies would only cost the sink memory."""

    def __init__(self, counter: Path) -> None:
        self.count = 0
        self.counter = counter

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        return "250 OK queued"


def run_sink(port: int, folder: Path) -> None:
    from bench.email import start_tls_sink

    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(folder / "sink-ca.pem"))
    handler = CountingSink(folder / "sink-count")
    controller = start_tls_sink(handler, ca, port)
    (folder / "sink-ready").write_text("ok")
    stopping = False

    def stop(_signal: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    while not stopping:
        handler.counter.write_text(str(handler.count))
        time.sleep(0.2)
    handler.counter.write_text(str(handler.count))
    controller.stop()


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=int(os.environ.get("CAMPAIGN_BENCH_RECIPIENTS", "100000")))
    parser.add_argument("--sqlite", action="store_true", help="store in SQLite instead of PostgreSQL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        (folder / "sms").mkdir()
        ratio = await email_part(args, folder)
        deviation = await sms_part(args, folder)
    target("campaign_email_ratio", ratio, ">=", 0.7)
    target("campaign_sms_pace_deviation", deviation * 100, "<=", 5.0, "%", digits=2)
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--sink"]:
        run_sink(int(sys.argv[2]), Path(sys.argv[3]))
    else:
        raise SystemExit(asyncio.run(main()))

"""Webhook throughput: signed inbound SMS webhooks posted over HTTP to the hub under uvicorn (the embedded default,
SQLite, or PostgreSQL with ``--backend postgres``; Twilio configured, the embedded job runner routing what arrives)
until every one is stored, against a bare Starlette app answering 200 on a trivial route under uvicorn the same
way, in the same run.

Each server runs in its own process, as ``hub serve`` does; the load comes from separate client processes, each
with many concurrent httpx requests, whose signatures are computed before the clock starts. Everything listens on
loopback only.

Run: python -m bench.webhooks [--backend sqlite|postgres] [--requests N] [--concurrency C] [--clients P]
(``HUB_BENCH_REQUESTS`` sets the default of ``--requests`` for a quick check.)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._report import target  # noqa: E402

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "bench-auth-token-5e4d3c2b"
HUB_NUMBER = "+14155550100"
INBOUND_PATH = "/channels/twilio/sms/inbound"
BARE_PATH = "/bare"
TEXTS = (
    "Hello, can I move my reservation to Tuesday?",
    "您好，我想把预订改到周二，可以吗？",
    "The invoice lists two nights but I stayed one.",
)
START_LIMIT_SECONDS = 60.0


# ---------------------------------------------------------------- servers (run as child processes)


def serve_hub(port: int) -> None:
    from inbox.settings import load_settings
    from workers.serve import run_with_server_loop, serve

    run_with_server_loop(serve(load_settings(), host="127.0.0.1", port=port))


def serve_bare(port: int) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    async def ok(_request: Request) -> Response:
        return Response("<Response/>", media_type="application/xml")

    from workers.serve import run_with_server_loop

    app = Starlette(routes=[Route(BARE_PATH, ok, methods=["POST"])])
    # The same event loop and uvicorn options as ``hub serve``, so the difference measured is the hub's own work.
    config = uvicorn.Config(app, host="127.0.0.1", port=port, proxy_headers=True, log_level="info")
    run_with_server_loop(uvicorn.Server(config).serve())


# ---------------------------------------------------------------- load (run as child processes)


def signed_requests(base_url: str, path: str, first: int, count: int, run: str) -> list[tuple[bytes, str]]:
    from twilio.request_validator import RequestValidator

    validator = RequestValidator(AUTH_TOKEN)
    prepared = []
    for number in range(first, first + count):
        form = {
            "MessageSid": f"SM{run}{number:024d}",
            "AccountSid": ACCOUNT_SID,
            "From": f"+1415{number % 5000:07d}",
            "To": HUB_NUMBER,
            "Body": TEXTS[number % len(TEXTS)],
            "NumMedia": "0",
        }
        signature = validator.compute_signature(f"{base_url}{path}", form)
        prepared.append((urlencode(form).encode(), signature))
    return prepared


async def post_all(
    base_url: str, path: str, prepared: list[tuple[bytes, str]], concurrency: int, start_at: float
) -> dict[str, object]:
    queue = list(reversed(prepared))
    latencies: list[float] = []
    failures: list[int] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60.0) as client:

        async def worker() -> None:
            while queue:
                body, signature = queue.pop()
                headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
                started = time.perf_counter()
                response = await client.post(path, content=body, headers=headers)
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    failures.append(response.status_code)

        await asyncio.sleep(max(0.0, start_at - time.time()))
        began = time.time()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        ended = time.time()
    return {"began": began, "ended": ended, "latencies": latencies, "failures": failures}


def run_client(args: argparse.Namespace) -> None:
    prepared = signed_requests(args.url, args.path, args.first, args.count, args.run)
    result = asyncio.run(post_all(args.url, args.path, prepared, args.concurrency, args.start_at))
    print(json.dumps(result))


# ---------------------------------------------------------------- orchestration


@dataclass
class Measured:
    label: str
    count: int
    seconds: float
    latencies: list[float]
    failures: list[int]

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    def describe(self, unit: str) -> str:
        ordered = sorted(self.latencies)
        p50 = statistics.median(ordered) * 1000
        p99 = ordered[max(0, int(len(ordered) * 0.99) - 1)] * 1000
        return (
            f"{self.label}: {self.count} {unit} in {self.seconds:.2f}s = {self.rate:,.0f} {unit}/s, "
            f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, non-200 answers: {len(self.failures)}"
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_listening(process: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + START_LIMIT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listened on port {port}")


def start_server(kind: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.webhooks", f"serve-{kind}", "--port", str(port)],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    wait_listening(process, port)
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


async def load(url: str, path: str, total: int, first: int, run: str, args: argparse.Namespace) -> dict[str, object]:
    """Split ``total`` requests over the client processes; all start at the same instant."""
    share = total // args.clients
    start_at = time.time() + 3.0 + 0.0005 * share  # time to sign the requests before the clock starts
    commands = []
    for index in range(args.clients):
        count = share if index < args.clients - 1 else total - share * (args.clients - 1)
        commands.append(
            [
                sys.executable, "-m", "bench.webhooks", "client", "--url", url, "--path", path, "--run", run,
                "--first", str(first + index * share), "--count", str(count),
                "--concurrency", str(args.concurrency), "--start-at", str(start_at),
            ]
        )  # fmt: skip
    processes = [
        await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE, cwd=ROOT) for command in commands
    ]
    outputs = [json.loads((await process.communicate())[0]) for process in processes]
    return {
        "began": min(float(out["began"]) for out in outputs),
        "ended": max(float(out["ended"]) for out in outputs),
        "latencies": [value for out in outputs for value in out["latencies"]],
        "failures": [value for out in outputs for value in out["failures"]],
    }


async def stored_sms(dsn: str) -> int:
    if dsn.startswith("sqlite:"):
        return await asyncio.to_thread(_stored_sms_sqlite, dsn.removeprefix("sqlite:"))
    connection = await asyncpg.connect(dsn)
    try:
        return int(await connection.fetchval("SELECT count(*) FROM messages WHERE channel = 'sms'"))
    finally:
        await connection.close()


def _stored_sms_sqlite(path: str) -> int:
    import sqlite3

    with contextlib.closing(sqlite3.connect(path, timeout=30)) as connection:
        return int(connection.execute("SELECT count(*) FROM messages WHERE channel = 'sms'").fetchone()[0])


def cpu_ticks(pids: list[int]) -> dict[int, int]:
    """User plus system CPU ticks so far of each process that still exists (threads included)."""
    ticks: dict[int, int] = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks[pid] = int(fields[11]) + int(fields[12])
    return ticks


def cpu_seconds(before: dict[int, int], after: dict[int, int]) -> float:
    return sum(value - before.get(pid, 0) for pid, value in after.items()) / os.sysconf("SC_CLK_TCK")


async def database_backends(admin: asyncpg.Connection | None, name: str) -> list[int]:
    if admin is None:  # SQLite works inside the server process, which is counted already
        return []
    rows = await admin.fetch("SELECT pid FROM pg_stat_activity WHERE datname = $1", name)
    return [int(row["pid"]) for row in rows]


class Tally:
    """What the blocks of one server added up to, including the CPU its processes spent on them."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.count = 0
        self.seconds = 0.0
        self.latencies: list[float] = []
        self.failures: list[int] = []
        self.server_cpu = 0.0
        self.database_cpu = 0.0

    def cpu_per_request(self) -> str:
        server = self.server_cpu / self.count * 1000
        database = self.database_cpu / self.count * 1000
        return f"{server + database:.2f} ms (server process {server:.2f} ms + database server {database:.2f} ms)"

    def add(self, count: int, result: dict[str, object], finished: float) -> None:
        latencies, failures = result["latencies"], result["failures"]
        assert isinstance(latencies, list) and isinstance(failures, list)
        self.count += count
        self.seconds += finished - float(str(result["began"]))
        self.latencies.extend(latencies)
        self.failures.extend(failures)

    def measured(self) -> Measured:
        return Measured(self.label, self.count, self.seconds, self.latencies, self.failures)


async def until_stored(dsn: str, expected: int, ended: float) -> tuple[int, float]:
    """Stored means committed: count until every message is there. Each webhook answers only after its commit,
    so this holds at once unless something was lost."""
    finished = ended
    deadline = time.monotonic() + 60
    stored = await stored_sms(dsn)
    while stored < expected and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        stored = await stored_sms(dsn)
        finished = time.time()
    return stored, finished


async def main(args: argparse.Namespace) -> int:
    from inbox.migrate import upgrade

    load_at_start = os.getloadavg()
    name = f"hub_bench_{uuid.uuid4().hex[:8]}"
    postgres = args.backend == "postgres"
    admin = await asyncpg.connect(POSTGRES_ADMIN) if postgres else None
    if admin is not None:
        await admin.execute(f'CREATE DATABASE "{name}"')
    servers: list[subprocess.Popen[bytes]] = []
    hub, bare = Tally("hub (signed SMS webhook -> stored)"), Tally("bare Starlette 200 on a trivial route")
    try:
        with tempfile.TemporaryDirectory() as folder:
            if postgres:
                dsn = POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}"
                url = dsn.replace("postgresql://", "postgresql+asyncpg://")
            else:
                dsn = f"sqlite:{folder}/hub.db"
                url = f"sqlite+aiosqlite:///{folder}/hub.db"
            await asyncio.to_thread(upgrade, url)
            hub_port, bare_port = free_port(), free_port()
            hub_url, bare_url = f"http://127.0.0.1:{hub_port}", f"http://127.0.0.1:{bare_port}"
            env = {
                "HUB_DATABASE__URL": url,
                "HUB_HUB__DATA_DIR": folder,
                "HUB_HUB__PUBLIC_URL": hub_url,
                "HUB_JOBS__REDIS_URL": "",
                "HUB_TWILIO__ACCOUNT_SID": ACCOUNT_SID,
                "HUB_TWILIO__AUTH_TOKEN": AUTH_TOKEN,
                "HUB_TWILIO__SMS_FROM": HUB_NUMBER,
            }
            servers.append(start_server("hub", hub_port, env))
            servers.append(start_server("bare", bare_port, {}))
            await load(hub_url, INBOUND_PATH, args.warmup, 0, "w", args)
            await load(bare_url, BARE_PATH, args.warmup, 0, "w", args)
            # Blocks alternate between the two servers, so a change in the machine's other load during the run
            # falls on both alike.
            posted = args.warmup
            hub_pid, bare_pid = servers[0].pid, servers[1].pid
            for first in range(0, args.requests, args.block):
                count = min(args.block, args.requests - first)
                before = cpu_ticks([bare_pid])
                answered = await load(bare_url, BARE_PATH, count, first, "m", args)
                bare.server_cpu += cpu_seconds(before, cpu_ticks([bare_pid]))
                bare.add(count, answered, float(str(answered["ended"])))
                backends = await database_backends(admin, name)
                before_server, before_database = cpu_ticks([hub_pid]), cpu_ticks(backends)
                result = await load(hub_url, INBOUND_PATH, count, first, "m", args)
                posted += count
                stored, finished = await until_stored(dsn, posted, float(str(result["ended"])))
                if stored != posted:
                    raise SystemExit(f"lost webhooks: {posted - stored} answered but not stored")
                hub.server_cpu += cpu_seconds(before_server, cpu_ticks([hub_pid]))
                backends = await database_backends(admin, name)
                hub.database_cpu += cpu_seconds(before_database, cpu_ticks(backends))
                hub.add(count, result, finished)
            print(f"hub: stored {stored} of {posted} posted messages (warm-up included); lost 0", flush=True)
    finally:
        for server in servers:
            stop(server)
        if admin is not None:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()
    load_before, load_after = load_at_start, os.getloadavg()
    # The machine is shared with the clients (and may be with other work): the ratio is what compares.
    print(f"load average (1 min) at start {load_before[0]:.2f}, at end {load_after[0]:.2f}")
    print(
        f"store: {'PostgreSQL' if postgres else 'SQLite (the embedded default)'}; "
        f"{args.requests} requests per server in blocks of {args.block}, after {args.warmup} warm-up; "
        f"{args.clients} client process(es) x {args.concurrency} concurrent httpx requests; "
        f"{os.cpu_count()} CPUs shared by both servers, the clients and the database"
    )
    hub_run, bare_run = hub.measured(), bare.measured()
    print(hub_run.describe("stored messages"))
    print(bare_run.describe("requests"))
    # The load generator shares the CPUs, so the rates above are bounded by the clients as much as by the
    # servers; the CPU each server side spent per request says what the hub's own work costs.
    print(f"server-side CPU per request: hub {hub.cpu_per_request()}; bare {bare.cpu_per_request()}")
    ratio = hub_run.rate / bare_run.rate
    print(f"ratio hub/bare: {ratio:.3f}")
    passed = target("webhooks_ratio", ratio, ">=", 0.5)
    return 0 if passed and not (hub_run.failures or bare_run.failures) else 1


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", nargs="?", default="bench", choices=["bench", "serve-hub", "serve-bare", "client"])
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--requests", type=int, default=int(os.environ.get("HUB_BENCH_REQUESTS", "5000")))
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--block", type=int, default=1000)
    # httpx spends more CPU per request as its pool grows; a few connections per client process load the
    # servers hardest on a small machine.
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--url", default="")
    parser.add_argument("--path", default="")
    parser.add_argument("--run", default="m")
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("--count", type=int, default=0)
    parser.add_argument("--start-at", type=float, default=0.0)
    return parser.parse_args()


if __name__ == "__main__":
    options = parse()
    if options.mode == "serve-hub":
        serve_hub(options.port)
    elif options.mode == "serve-bare":
        serve_bare(options.port)
    elif options.mode == "client":
        run_client(options)
    else:
        sys.exit(asyncio.run(main(options)))

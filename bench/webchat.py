"""Web chat at 1,000 concurrent visitors: visitor→agent delivery latency and memory per connection.

One hub process (the real app under uvicorn: chat routes, the store on SQLite, the embedded job runner) holds
1,000 visitor websockets, each sending a few messages. Latency is from the moment a visitor sends to the moment
an agent-side subscriber of the realtime bus, in the hub process, receives the message.created event, which
is published once the message is committed. The baseline, in the same run, is a bare Starlette websocket echo
server: from the moment a client sends to the moment the server has the frame. Memory per connection is the
growth of each server's resident memory while the sockets open, divided by their number.

Clients run in several processes so that the load generator is not what is measured. Loopback only.

Run: .venv/bin/python bench/webchat.py [--visitors 1000] [--messages 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# The project root replaces this script's folder on the path: a bench module named like a standard library one
# (bench/email.py) must not shadow it.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench._report import target  # noqa: E402 (after the path fix above)

ORIGIN = "http://shop.bench.example"
INBOX = "bench"
CLIENT_PROCESSES = 4
STAMP = "t="
START_SPREAD_SECONDS = 5.0
SETTLE_SECONDS = 5.0
TYPING_SECONDS = (3.0, 7.0)


def server_options(port: int) -> dict[str, object]:
    # The same for the hub and the baseline. Chat frames are small: compressing each costs more CPU than it
    # saves on loopback, so per-message deflate is off on both, as the hub's own server runs it.
    return {
        "host": "127.0.0.1",
        "port": port,
        "log_level": "warning",
        "backlog": 4096,
        "ws_per_message_deflate": False,
    }


def raise_open_files(wanted: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def now_ns() -> int:
    # CLOCK_MONOTONIC is one clock for every process on the machine, so stamps compare across processes.
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC)


def stamp_of(text: str) -> int | None:
    position = text.rfind(STAMP)
    if position < 0:
        return None
    try:
        return int(text[position + len(STAMP) :])
    except ValueError:
        return None


def cpu_seconds(pid: int) -> float:
    """User plus system CPU the process has spent so far, threads included: on a machine shared with other
    work this says what each message costs the server when wall-clock latency mostly says how busy it was."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


class Latencies:
    """Collected in the server process; written to a file once every expected sample has arrived."""

    def __init__(self, out: Path, expected: int) -> None:
        self.out = out
        self.expected = expected
        self.samples: list[int] = []

    def add(self, sent_ns: int | None) -> None:
        if sent_ns is None:
            return
        self.samples.append(now_ns() - sent_ns)
        if len(self.samples) == self.expected:
            # Renamed into place so the reader never sees a half-written file.
            partial = self.out.with_suffix(".partial")
            partial.write_text(json.dumps(self.samples))
            partial.rename(self.out)


def serve_hub(port: int, data_dir: Path, out: Path, expected: int, with_jobs: bool) -> None:
    import uvicorn

    from inbox.realtime import INBOX_TOPIC, InProcessBus, PublishingSink
    from inbox.settings import load_settings
    from inbox.sink import StoreSink
    from inbox.web.app import create_app
    from workers.composition import build_context, close_context, start_job_processing
    from workers.webchat_setup import build_webchat_routes, webchat_channel, webchat_config

    settings = load_settings(
        database={"url": f"sqlite+aiosqlite:///{data_dir / 'hub.db'}"},
        hub={"data_dir": str(data_dir)},
        webchat={
            "secret_key": "bench-signing-key",
            "inboxes": [{"key": INBOX, "allowed_origins": [ORIGIN]}],
            # Every bench visitor shares the loopback address; the per-visitor limit still applies.
            "address_burst": 1_000_000,
            "address_per_second": 1_000_000.0,
        },
    )
    config = webchat_config(settings)
    assert config is not None
    ctx = build_context(settings)
    bus = InProcessBus()
    ctx.channels.register(webchat_channel(settings, config, bus))
    sink = PublishingSink(StoreSink(ctx.store, ctx.blobs, settings), bus)
    latencies = Latencies(out, expected)
    processing: list[Any] = []
    tasks: list[Any] = []

    async def agent_side() -> None:
        feed = await bus.subscribe(INBOX_TOPIC)
        while (event := await feed.get()) is not None:
            if event.get("type") == "message.created":
                latencies.add(stamp_of(str(event.get("preview", ""))))

    async def start() -> None:
        tasks.append(asyncio.create_task(agent_side()))
        if with_jobs:
            processing.append(await start_job_processing(ctx))

    async def stop() -> None:
        for item in processing:
            await item.stop()
        await sink.close()
        await close_context(ctx)

    app = create_app(
        settings=settings,
        store=ctx.store,
        channel_routes=build_webchat_routes(settings, sink, ctx.store, bus),
        on_startup=[start],
        on_shutdown=[stop],
    )
    uvicorn.run(app, **server_options(port))  # type: ignore[arg-type]


def serve_echo(port: int, out: Path, expected: int) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.routing import WebSocketRoute
    from starlette.websockets import WebSocket, WebSocketDisconnect

    latencies = Latencies(out, expected)

    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            while True:
                text = await websocket.receive_text()
                latencies.add(stamp_of(text))
                await websocket.send_text(text)
        except WebSocketDisconnect:
            return

    app = Starlette(routes=[WebSocketRoute("/ws", echo)])
    uvicorn.run(app, **server_options(port))  # type: ignore[arg-type]


async def run_clients(url: str, count: int, messages: int, hub: bool) -> None:
    """One client process: open ``count`` sockets, report ready, wait for "go", send, report done."""
    from websockets.asyncio.client import ClientConnection, connect

    gate = asyncio.Semaphore(100)

    async def open_one() -> ClientConnection:
        async with gate:
            connection = await connect(url, origin=ORIGIN, open_timeout=60, max_queue=None, compression=None)  # type: ignore[arg-type]
            if hub:
                await connection.send(json.dumps({"type": "hello", "token": None, "after": 0}))
                while json.loads(await connection.recv()).get("type") != "history":
                    pass
            return connection

    connections = await asyncio.gather(*(open_one() for _ in range(count)))
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)

    async def talk(connection: ClientConnection, number: int) -> None:
        # People start at different moments and take a few seconds to type each message.
        await asyncio.sleep(random.uniform(0.0, START_SPREAD_SECONDS))
        for sequence in range(messages):
            if sequence:
                await asyncio.sleep(random.uniform(*TYPING_SECONDS))
            text = f"Hello, question {sequence} from visitor {number} {STAMP}{now_ns()}"
            if hub:
                await connection.send(json.dumps({"type": "message", "cid": f"c{sequence}", "text": text}))
                while json.loads(await connection.recv()).get("type") != "ack":
                    pass
            else:
                await connection.send(text)
                await connection.recv()

    await asyncio.gather(*(talk(c, n) for n, c in enumerate(connections)))
    print("done", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    await asyncio.gather(*(c.close() for c in connections))


def percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, max(0, round(len(ordered) * share) - 1))]


def wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server process ended early")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("the server did not start")


def measure(
    label: str, server_args: list[str], url_of: str, visitors: int, messages: int, hub: bool
) -> dict[str, float]:
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "latencies.json"
        expected = visitors * messages
        me = [sys.executable, __file__]
        server = subprocess.Popen([*me, server_args[0], str(port), folder, str(out), str(expected), *server_args[1:]])
        clients: list[subprocess.Popen[str]] = []
        try:
            wait_for_port(port, server)
            time.sleep(0.5)
            before = rss_bytes(server.pid)
            url = url_of.format(port=port)
            shares = [
                visitors // CLIENT_PROCESSES + (1 if i < visitors % CLIENT_PROCESSES else 0)
                for i in range(CLIENT_PROCESSES)
            ]
            for share in shares:
                clients.append(
                    subprocess.Popen(
                        [*me, "--clients", url, str(share), str(messages), "hub" if hub else "echo"],
                        stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE,
                        text=True,
                    )
                )
            for client in clients:
                assert client.stdout is not None and client.stdout.readline().strip() == "ready"
            # Steady state is measured: the jobs a hub runs once at start (schedules, recomputations) finish first.
            time.sleep(SETTLE_SECONDS)
            after = rss_bytes(server.pid)
            cpu_before = cpu_seconds(server.pid)
            for client in clients:
                assert client.stdin is not None
                client.stdin.write("go\n")
                client.stdin.flush()
            for client in clients:
                assert client.stdout is not None and client.stdout.readline().strip() == "done"
            deadline = time.monotonic() + 60
            while not out.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            samples = sorted(value / 1e6 for value in json.loads(out.read_text()))
            # Whatever the server still does for these messages (routing jobs) is counted once they settle.
            time.sleep(SETTLE_SECONDS)
            cpu_spent = cpu_seconds(server.pid) - cpu_before
        finally:
            for client in clients:
                if client.stdin is not None and client.poll() is None:
                    client.stdin.write("bye\n")
                    client.stdin.close()
            for client in clients:
                client.wait(timeout=30)
            server.terminate()
            server.wait(timeout=30)
    result = {
        "p50": statistics.median(samples),
        "p99": percentile(samples, 0.99),
        "max": samples[-1],
        "memory_per_connection": (after - before) / visitors,
        "samples": float(len(samples)),
        "cpu_per_message": cpu_spent / max(len(samples), 1),
    }
    print(
        f"{label}: {visitors} sockets, {len(samples)} messages: p50={result['p50']:.2f}ms "
        f"p99={result['p99']:.2f}ms max={result['max']:.2f}ms, "
        f"memory {result['memory_per_connection'] / 1024:.1f} KiB per connection, "
        f"server CPU {result['cpu_per_message'] * 1000:.2f} ms per message",
        flush=True,
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--visitors", type=int, default=int(os.environ.get("HUB_BENCH_VISITORS", "1000")))
    parser.add_argument("--messages", type=int, default=3)
    parser.add_argument("--serve-hub", nargs=5, metavar=("PORT", "DIR", "OUT", "EXPECTED", "JOBS"))
    parser.add_argument("--serve-echo", nargs=4, metavar=("PORT", "DIR", "OUT", "EXPECTED"))
    parser.add_argument("--clients", nargs=4, metavar=("URL", "COUNT", "MESSAGES", "KIND"))
    args = parser.parse_args()
    raise_open_files(8192)
    if args.serve_hub:
        port, folder, out, expected, jobs = args.serve_hub
        from inbox.migrate import upgrade

        upgrade(f"sqlite+aiosqlite:///{Path(folder) / 'hub.db'}")
        serve_hub(int(port), Path(folder), Path(out), int(expected), jobs == "jobs")
        return
    if args.serve_echo:
        port, _folder, out, expected = args.serve_echo
        serve_echo(int(port), Path(out), int(expected))
        return
    if args.clients:
        url, count, messages, kind = args.clients
        asyncio.run(run_clients(url, int(count), int(messages), kind == "hub"))
        return
    visitors, messages = min(args.visitors, 5000), min(args.messages, 20)
    print(f"load before: {os.getloadavg()[0]:.1f} (1-minute average; other work on the machine)", flush=True)
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    echo = measure("bare Starlette echo", ["--serve-echo"], "ws://127.0.0.1:{port}/ws", visitors, messages, False)
    hub_url = f"ws://127.0.0.1:{{port}}/channels/webchat/ws?inbox={INBOX}"
    # The same hub without its job runner shows how much of the latency is the routing jobs sharing the
    # process and the SQLite writer with ingest; the target is measured on the hub as it is served.
    measure("hub web chat, job runner off", ["--serve-hub", "nojobs"], hub_url, visitors, messages, True)
    hub = measure("hub web chat, as served", ["--serve-hub", "jobs"], hub_url, visitors, messages, True)
    print(
        f"ratio hub/echo: p50 {hub['p50'] / echo['p50']:.1f}x, p99 {hub['p99'] / echo['p99']:.1f}x, "
        f"memory per connection {hub['memory_per_connection'] / max(echo['memory_per_connection'], 1):.1f}x",
        flush=True,
    )
    print(f"load after: {os.getloadavg()[0]:.1f}", flush=True)
    target("webchat_p99", hub["p99"], "<", 100.0, "ms", digits=1)


if __name__ == "__main__":
    main()

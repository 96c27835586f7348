"""Web chat at 1,000 concurrent visitors: visitor→agent delivery latency and memory per connection.

One hub process, started as ``hub serve`` starts it (uvloop; the chat routes; the agents' live inbox on the
process's bus; the store on SQLite; the embedded job runner), holds 1,000 visitor websockets, each sending a few
messages. Latency is from the moment a visitor sends to the moment a signed-in agent's inbox socket, in another
process, receives the message.created event: the whole path a customer's words take to an agent's screen
(frame checks, the stored and audited message, the committed transaction, the live feed's visibility check,
two sockets). The baseline, in the same run, is a bare Starlette relay over the same path: visitor socket, server,
agent socket, with nothing stored or checked. Memory per connection is the growth of each server's resident memory
while the visitor sockets open, divided by their number; server CPU per message is the server's user and system
time while the messages flow, divided by their number (on a shared machine, steadier than wall-clock latency).

Visitors run in several processes, and the agent in its own, so that the load generator is not what is measured.
Loopback only.

Run: .venv/bin/python bench/webchat.py [--visitors 1000] [--messages 3] [--runs relay,nojobs,served]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
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
AGENT_EMAIL = "agent@bench.example"
AGENT_PASSWORD = "bench agent passphrase 7c2e"
CLIENT_PROCESSES = 4
STAMP = "t="
START_SPREAD_SECONDS = 5.0
SETTLE_SECONDS = 5.0
TYPING_SECONDS = (3.0, 7.0)


def server_options(port: int) -> dict[str, object]:
    # The baseline's server runs as ``hub serve`` runs the hub's: per-message deflate off (chat frames are
    # small; compressing each costs more CPU than it saves on loopback), uvicorn's default backlog.
    return {"host": "127.0.0.1", "port": port, "log_level": "warning", "ws_per_message_deflate": False}


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
    """Collected in the agent's process; written to a file once every expected sample has arrived."""

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


def hub_settings(data_dir: Path, port: int) -> Any:
    from inbox.settings import load_settings

    return load_settings(
        database={"url": f"sqlite+aiosqlite:///{data_dir / 'hub.db'}"},
        hub={"data_dir": str(data_dir), "public_url": f"http://127.0.0.1:{port}"},
        web={"secret_key": "bench-session-key-0123456789abcdef"},
        webchat={
            "secret_key": "bench-signing-key",
            "inboxes": [{"key": INBOX, "allowed_origins": [ORIGIN]}],
            # Every bench visitor shares the loopback address; the per-visitor limit still applies.
            "address_burst": 1_000_000,
            "address_per_second": 1_000_000.0,
        },
    )


def serve_hub(port: int, data_dir: Path, with_jobs: bool) -> None:
    """``hub serve`` itself, as a deployment runs it (uvloop, the live inbox on the process's bus, the chat
    routes, the embedded job runner), with one agent account to sign in with."""
    import workers.serve
    from inbox.actions.agents import do_add_agent
    from inbox.migrate import upgrade
    from inbox.store import Store

    settings = hub_settings(data_dir, port)
    upgrade(settings.database_url)

    async def add_agent() -> None:
        store = Store(settings)
        try:
            await do_add_agent(store, email=AGENT_EMAIL, name="Bench agent", role="admin", password=AGENT_PASSWORD)
        finally:
            await store.dispose()

    asyncio.run(add_agent())
    if not with_jobs:

        async def no_jobs(_ctx: Any, _sink: Any = None) -> Any:
            from workers.composition import JobProcessing

            return JobProcessing()

        # The bench swaps the job processing out of ``serve`` for this comparison only.
        setattr(workers.serve, "start_job_processing", no_jobs)  # noqa: B010
    workers.serve.run_with_server_loop(workers.serve.serve(settings, host="127.0.0.1", port=port))


def serve_relay(port: int) -> None:
    """The baseline: a bare Starlette server that passes each visitor's frame to the agents' sockets and
    answers the visitor, with nothing stored, routed or checked."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.routing import WebSocketRoute
    from starlette.websockets import WebSocket, WebSocketDisconnect

    agents: set[asyncio.Queue[str]] = set()

    async def visitor(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            while True:
                text = await websocket.receive_text()
                for queue in agents:
                    queue.put_nowait(text)
                await websocket.send_text(text)
        except WebSocketDisconnect:
            return

    async def agent(websocket: WebSocket) -> None:
        await websocket.accept()
        queue: asyncio.Queue[str] = asyncio.Queue()
        agents.add(queue)

        async def forward() -> None:
            while True:
                await websocket.send_text(await queue.get())

        forwarding = asyncio.create_task(forward())
        try:
            while True:
                await websocket.receive_text()
        except WebSocketDisconnect:
            return
        finally:
            agents.discard(queue)
            forwarding.cancel()

    app = Starlette(routes=[WebSocketRoute("/ws", visitor), WebSocketRoute("/agent", agent)])
    uvicorn.run(app, **server_options(port))  # type: ignore[arg-type]


async def run_agent(base: str, out: Path, expected: int, hub: bool) -> None:
    """The agent's end, in its own process: the inbox page's live socket, signed in as an agent (for the
    baseline, the relay's agent socket). Each visitor message's latency is taken when it arrives here."""
    import httpx
    from websockets.asyncio.client import connect

    latencies = Latencies(out, expected)
    headers: dict[str, str] = {}
    path = "/agent"
    if hub:
        async with httpx.AsyncClient(base_url=base) as client:
            page = await client.get("/login")
            found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert found is not None, "the sign-in page has no form token"
            form = {"email": AGENT_EMAIL, "password": AGENT_PASSWORD, "csrf_token": found.group(1), "next": "/"}
            signed_in = await client.post("/login", data=form)
            assert signed_in.status_code == 303, f"the agent could not sign in: {signed_in.status_code}"
            headers["Cookie"] = f"hub_session={client.cookies['hub_session']}"
        path = "/inbox/live"
    url = base.replace("http://", "ws://") + path
    async with connect(url, origin=base, additional_headers=headers, max_queue=None, compression=None) as socket:  # type: ignore[arg-type]
        print("ready", flush=True)
        async for frame in socket:
            text = frame if isinstance(frame, str) else frame.decode()
            if hub:
                event = json.loads(text)
                if event.get("type") != "message.created" or event.get("channel") != "webchat":
                    continue
                text = str(event.get("preview", ""))
            latencies.add(stamp_of(text))


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


def start(command: list[str], log: Path | None = None, **options: Any) -> subprocess.Popen[Any]:
    if log is None:
        return subprocess.Popen([sys.executable, __file__, *command], **options)
    with log.open("w") as output:
        # The child holds its own copy of the file; this process needs none.
        return subprocess.Popen([sys.executable, __file__, *command], stdout=output, stderr=output, **options)


def expect_line(process: subprocess.Popen[str], word: str) -> None:
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if line != word:
        raise RuntimeError(f"a bench process said {line!r} instead of {word!r}")


def measure(label: str, server_args: list[str], visitors: int, messages: int, hub: bool) -> dict[str, float]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    visitor_url = f"ws://127.0.0.1:{port}" + (f"/channels/webchat/ws?inbox={INBOX}" if hub else "/ws")
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "latencies.json"
        server_log = Path(folder) / "server.log"
        server = start([server_args[0], str(port), folder, *server_args[1:]], server_log)
        agent: subprocess.Popen[str] | None = None
        clients: list[subprocess.Popen[str]] = []
        piped: dict[str, Any] = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "text": True}
        try:
            wait_for_port(port, server)
            agent = start(["--agent", base, str(out), str(visitors * messages), "hub" if hub else "relay"], **piped)
            expect_line(agent, "ready")
            time.sleep(0.5)
            before = rss_bytes(server.pid)
            shares = [
                visitors // CLIENT_PROCESSES + (1 if i < visitors % CLIENT_PROCESSES else 0)
                for i in range(CLIENT_PROCESSES)
            ]
            for share in shares:
                kind = "hub" if hub else "relay"
                clients.append(start(["--clients", visitor_url, str(share), str(messages), kind], **piped))
            for client in clients:
                expect_line(client, "ready")
            # Steady state is measured: the jobs a hub runs once at start (schedules, recomputations) finish first.
            time.sleep(SETTLE_SECONDS)
            after = rss_bytes(server.pid)
            cpu_before = cpu_seconds(server.pid)
            for client in clients:
                assert client.stdin is not None
                client.stdin.write("go\n")
                client.stdin.flush()
            for client in clients:
                expect_line(client, "done")
            deadline = time.monotonic() + 60
            while not out.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            if not out.exists():
                raise RuntimeError("the agent did not hear every visitor message within a minute")
            samples = sorted(value / 1e6 for value in json.loads(out.read_text()))
            # Whatever the server still does for these messages (routing jobs) is counted once they settle.
            time.sleep(SETTLE_SECONDS)
            cpu_spent = cpu_seconds(server.pid) - cpu_before
        except BaseException:
            print(server_log.read_text()[-3000:], file=sys.stderr)
            raise
        finally:
            for process in [*clients, *([agent] if agent else [])]:
                if process.stdin is not None and process.poll() is None:
                    process.stdin.write("bye\n")
                    process.stdin.close()
            for process in clients:
                process.wait(timeout=30)
            if agent is not None:
                agent.terminate()
                agent.wait(timeout=30)
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
        f"server CPU {result['cpu_per_message'] * 1000:.2f} ms per message, load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    return result


RUNS = ("relay", "nojobs", "served")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--visitors", type=int, default=int(os.environ.get("HUB_BENCH_VISITORS", "1000")))
    parser.add_argument("--messages", type=int, default=3)
    parser.add_argument("--runs", default=",".join(RUNS), help=f"which of {', '.join(RUNS)} to measure")
    parser.add_argument("--serve-hub", nargs=3, metavar=("PORT", "DIR", "JOBS"))
    parser.add_argument("--serve-relay", nargs=2, metavar=("PORT", "DIR"))
    parser.add_argument("--agent", nargs=4, metavar=("BASE", "OUT", "EXPECTED", "KIND"))
    parser.add_argument("--clients", nargs=4, metavar=("URL", "COUNT", "MESSAGES", "KIND"))
    args = parser.parse_args()
    raise_open_files(8192)
    if args.serve_hub:
        port, folder, jobs = args.serve_hub
        serve_hub(int(port), Path(folder), jobs == "jobs")
        return
    if args.serve_relay:
        serve_relay(int(args.serve_relay[0]))
        return
    if args.agent:
        base, out, expected, kind = args.agent
        asyncio.run(run_agent(base, Path(out), int(expected), kind == "hub"))
        return
    if args.clients:
        url, count, messages, kind = args.clients
        asyncio.run(run_clients(url, int(count), int(messages), kind == "hub"))
        return
    visitors, messages = min(args.visitors, 5000), min(args.messages, 20)
    runs = set(args.runs.split(","))
    print(f"load before: {os.getloadavg()[0]:.1f} (1-minute average; other work on the machine)", flush=True)
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    results: dict[str, dict[str, float]] = {}
    if "relay" in runs:
        results["relay"] = measure("bare Starlette relay", ["--serve-relay"], visitors, messages, False)
    # The same hub without its job runner shows how much of the latency is the routing jobs sharing the
    # process and the SQLite writer with ingest; the target is measured on the hub as it is served.
    if "nojobs" in runs:
        results["nojobs"] = measure("hub web chat, job runner off", ["--serve-hub", "nojobs"], visitors, messages, True)
    if "served" in runs:
        results["served"] = measure("hub web chat, as served", ["--serve-hub", "jobs"], visitors, messages, True)
    hub, relay = results.get("served"), results.get("relay")
    if hub is not None and relay is not None:
        print(
            f"ratio hub/relay: p50 {hub['p50'] / relay['p50']:.1f}x, p99 {hub['p99'] / relay['p99']:.1f}x, "
            f"server CPU per message {hub['cpu_per_message'] / max(relay['cpu_per_message'], 1e-9):.1f}x, "
            f"memory per connection {hub['memory_per_connection'] / max(relay['memory_per_connection'], 1):.1f}x",
            flush=True,
        )
    print(f"load after: {os.getloadavg()[0]:.1f}", flush=True)
    if hub is not None:
        target("webchat_p99", hub["p99"], "<", 100.0, "ms", digits=1)


if __name__ == "__main__":
    main()

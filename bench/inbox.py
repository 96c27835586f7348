"""The agents' inbox at scale: views with filters and search on 1,000,000 conversations and 5,000,000 messages.

PostgreSQL is filled once (``bench/_inbox_fill.py``; reused while its schema and size match, ``--fresh`` to
rebuild). Each case then runs through the hub's own query functions (``inbox.inbox_views``: one page plus the
capped counts of every view, as the inbox page loads them; ``inbox.search.search``), and, interleaved in the same
run, the very SQL statements the hub sent replayed over a bare asyncpg connection: the baseline, so the ratio is
what the hub's Python side (SQLAlchemy, row objects, ranking, snippets) adds to the database's own time.

Targets (issue #7): views p95 <= 50 ms, search p95 <= 200 ms.

Run: python -m bench.inbox [--fresh] [--rounds N]; HUB_BENCH_INBOX_CONVERSATIONS=20000 for a quick check.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from bench._inbox_fill import Size, ensure_filled
from bench._report import target
from inbox.access import Viewer
from inbox.inbox_views import Filters, View, inbox_rows, view_counts
from inbox.search import search
from inbox.settings import load_settings
from inbox.store import Store

ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/test"
VIEW_TARGET_MS = 50.0
SEARCH_TARGET_MS = 200.0


@dataclass
class Case:
    name: str
    kind: str  # "view" or "search"
    run: Callable[[AsyncSession], Awaitable[object]]
    hub_ms: list[float] = field(default_factory=list)
    sql_ms: list[float] = field(default_factory=list)


@dataclass
class Recorder:
    """Collects the statements the hub sends, with their parameters, to replay them bare."""

    statements: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    active: bool = False

    def __call__(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if self.active:
            self.statements.append((statement, tuple(parameters or ())))


async def _viewers(dsn: str) -> dict[str, Viewer]:
    connection = await asyncpg.connect(dsn)
    try:
        busiest = await connection.fetchval(
            """SELECT assignee_id FROM conversations WHERE status = 'open' AND assignee_id IS NOT NULL
               GROUP BY assignee_id ORDER BY count(*) DESC LIMIT 1"""
        )
        teams = frozenset(
            await connection.fetchval("SELECT array_agg(team_id) FROM agent_teams WHERE agent_id = $1", busiest)
        )
        supervisor = await connection.fetchval(
            """SELECT a.id FROM agents a JOIN agent_teams t ON t.agent_id = a.id
               WHERE a.role = 'supervisor' AND t.team_id = ANY($1::bigint[]) LIMIT 1""",
            list(teams),
        )
    finally:
        await connection.close()
    return {
        "agent": Viewer(busiest, "Agent", "agent@bench.example", "agent", teams),
        "supervisor": Viewer(supervisor, "Supervisor", "supervisor@bench.example", "supervisor", teams),
        "admin": Viewer(supervisor, "Admin", "admin@bench.example", "admin", frozenset()),
    }


def _page(viewer: Viewer, view: View, filters: Filters) -> Callable[[AsyncSession], Awaitable[object]]:
    async def load(session: AsyncSession) -> object:
        rows = await inbox_rows(session, viewer, view, filters)
        counts = await view_counts(session, viewer, filters)
        return rows, counts

    return load


def _search(viewer: Viewer, query: str) -> Callable[[AsyncSession], Awaitable[object]]:
    async def run(session: AsyncSession) -> object:
        return await search(session, viewer, query)

    return run


def _cases(viewers: dict[str, Viewer]) -> list[Case]:
    agent, supervisor, admin = viewers["agent"], viewers["supervisor"], viewers["admin"]
    team = min(agent.team_ids)
    views = [
        ("unassigned agent", agent, View.UNASSIGNED, Filters()),
        ("unassigned agent sms", agent, View.UNASSIGNED, Filters(channel="sms")),
        ("unassigned supervisor gold", supervisor, View.UNASSIGNED, Filters(tier="gold")),
        ("unassigned admin platinum complaint", admin, View.UNASSIGNED, Filters(tier="platinum", complaint=True)),
        ("unassigned admin team sla", admin, View.UNASSIGNED, Filters(team_id=team, sla_breached=True)),
        ("unassigned admin any status label", admin, View.UNASSIGNED, Filters(status=None, label="vip")),
        ("mine agent", agent, View.MINE, Filters()),
        ("mine agent sla", agent, View.MINE, Filters(sla_breached=True)),
        ("mine agent resolved webchat", agent, View.MINE, Filters(status="resolved", channel="webchat")),
        ("mine agent label", agent, View.MINE, Filters(label="vip", status=None)),
    ]
    searches = [
        ("search agent english", agent, "refund"),
        ("search agent two words", agent, "parcel tracking"),
        ("search admin english", admin, "air conditioning"),
        ("search admin rare order", admin, "ORD-123457"),
        ("search admin chinese", admin, "包裹还没有到"),
        ("search admin chinese short", admin, "退款"),
        ("search admin customer name", admin, "王芳"),
        ("search admin email", admin, "customer12345@"),
        ("search admin phone", admin, "415 001 2346"),
        ("search supervisor chinese", supervisor, "重复扣款"),
    ]
    return [Case(name, "view", _page(viewer, view, filters)) for name, viewer, view, filters in views] + [
        Case(name, "search", _search(viewer, query)) for name, viewer, query in searches
    ]


async def _measure(store: Store, dsn: str, cases: list[Case], rounds: int) -> None:
    recorder = Recorder()
    event.listen(store.reader.sync_engine, "before_cursor_execute", recorder)
    bare = await asyncpg.connect(dsn)
    try:
        for case in cases:
            # Warm both paths (plans, caches) and capture the statements this case sends.
            recorder.statements, recorder.active = [], True
            async with store.read() as session:
                await case.run(session)
            recorder.active = False
            statements = list(recorder.statements)
            await _replay(bare, statements)
            for _ in range(rounds):
                started = time.perf_counter()
                async with store.read() as session:
                    await case.run(session)
                case.hub_ms.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                await _replay(bare, statements)
                case.sql_ms.append((time.perf_counter() - started) * 1000)
    finally:
        await bare.close()
        event.remove(store.reader.sync_engine, "before_cursor_execute", recorder)


async def _replay(bare: asyncpg.Connection, statements: list[tuple[str, tuple[Any, ...]]]) -> None:
    # In one transaction, as the hub's read session runs them (its SET LOCAL applies to the rest).
    async with bare.transaction():
        for statement, parameters in statements:
            await bare.fetch(statement, *parameters)


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _report(cases: list[Case], load: tuple[float, float]) -> bool:
    print(f"{'case':40} {'hub p50':>9} {'hub p95':>9} {'sql p50':>9} {'sql p95':>9} {'ratio':>6}")
    for case in cases:
        hub50, hub95, sql50, sql95 = (
            _p(case.hub_ms, 0.5),
            _p(case.hub_ms, 0.95),
            _p(case.sql_ms, 0.5),
            _p(case.sql_ms, 0.95),
        )
        ratio = hub50 / sql50 if sql50 else float("nan")
        print(f"{case.name:40} {hub50:8.1f}ms {hub95:8.1f}ms {sql50:8.1f}ms {sql95:8.1f}ms {ratio:6.2f}")
    print(f"load average before {load[0]:.2f}, after {load[1]:.2f} (2 cores, shared)", flush=True)
    ok = True
    for kind, bound in (("view", VIEW_TARGET_MS), ("search", SEARCH_TARGET_MS)):
        chosen = [case for case in cases if case.kind == kind]
        worst = max(_p(case.hub_ms, 0.95) for case in chosen)
        overall = _p([ms for case in chosen for ms in case.hub_ms], 0.95)
        print(f"{kind}: p95 over all cases {overall:.1f} ms, worst case p95 {worst:.1f} ms")
        ok &= target(f"inbox_{kind}_p95_worst_case", worst, "<=", bound, "ms", digits=1)
    return ok


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fresh", action="store_true", help="rebuild the bench database even if it matches")
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("HUB_BENCH_INBOX_ROUNDS", "30")))
    args = parser.parse_args()
    size = Size(int(os.environ.get("HUB_BENCH_INBOX_CONVERSATIONS", "1000000")))
    dsn, url = await ensure_filled(ADMIN_DSN, size, fresh=args.fresh)
    viewers = await _viewers(dsn)
    cases = _cases(viewers)
    with tempfile.TemporaryDirectory() as folder:
        store = Store(load_settings(database={"url": url, "pool_size": 2}, hub={"data_dir": folder}))
        load_before = os.getloadavg()[0]
        try:
            await _measure(store, dsn, cases, args.rounds)
        finally:
            await store.dispose()
        load_after = os.getloadavg()[0]
    print(f"{size.conversations:,} conversations, {size.messages:,} messages, {args.rounds} rounds per case")
    return 0 if _report(cases, (load_before, load_after)) else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))

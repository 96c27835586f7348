"""A PostgreSQL store filled like a busy contact centre's: generated server-side, set-based, kept between runs.

Filling a million conversations and five million messages takes minutes, so the database (``hub_bench_inbox``;
smaller sizes get ``hub_bench_inbox_<size>``) is kept and reused when its size matches and its tables still match
the models; ``fresh`` rebuilds it.
Secondary indexes are dropped while the rows go in and rebuilt afterwards, which is several times faster than
maintaining them row by row, and foreign-key triggers are skipped for the fill (the generator keeps the keys
consistent itself).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import asyncpg
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from inbox.migrate import upgrade
from inbox.models import Base
from inbox.search_schema import compared_with_models

DATABASE = "hub_bench_inbox"
FULL_SIZE = 1_000_000
TEAMS = 20
AGENTS_PER_TEAM = 10
FILLED_TABLES = ("contacts", "contact_identities", "conversations", "messages")
SCHEMA_TABLES = ("agents", "teams", "agent_teams", *FILLED_TABLES)
# Set once the fill completed: an interrupted fill is never mistaken for a finished one.
MARKER_SQL = "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = current_database()"

EN_PHRASES = [
    "Hello, I would like to change my booking for next week.",
    "My parcel has not arrived yet and the tracking page shows no update.",
    "Could you please send me the invoice for my last order?",
    "The payment failed twice although my card is valid.",
    "I want a refund for the damaged item.",
    "Thank you for the quick help, everything works now.",
    "The room was not cleaned and the air conditioning was broken.",
    "Please cancel my subscription from next month.",
    "Can I upgrade my plan and keep my current number?",
    "We have received your request and will get back to you shortly.",
    "Your replacement has been shipped with express delivery.",
    "I was charged twice for the same reservation.",
    "Where can I find the warranty conditions for this product?",
    "The driver left the package at the wrong address.",
    "Is breakfast included in the rate for the family suite?",
    "I forgot my password and the reset email never arrives.",
]
ZH_PHRASES = [
    "您好，我想修改下周的预订。",
    "我的包裹还没有到，物流信息一直没有更新。",
    "请把上个订单的发票发给我。",
    "付款失败了两次，但是我的银行卡没有问题。",
    "收到的商品有损坏，我要申请退款。",
    "谢谢你们的快速帮助，现在一切正常。",
    "房间没有打扫，空调也坏了。",
    "请从下个月开始取消我的订阅。",
    "我可以升级套餐并保留现在的号码吗？",
    "我们已收到您的请求，会尽快回复您。",
    "您的换货已经用快递寄出。",
    "同一个预订被重复扣款了。",
    "这个产品的保修条款在哪里可以找到？",
    "快递员把包裹送到了错误的地址。",
    "家庭套房的价格包含早餐吗？",
    "我忘记了密码，重置邮件一直收不到。",
]
EN_SUBJECTS = ["Booking change", "Missing parcel", "Invoice request", "Payment problem", "Refund", "Complaint"]
ZH_SUBJECTS = ["修改预订", "包裹未到", "发票申请", "付款问题", "退款申请", "投诉"]
SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林"]
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英"]
FIRST = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth", "Sofia"]
LAST = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Martinez", "Wilson", "Clark"]


@dataclass(frozen=True, slots=True)
class Size:
    conversations: int

    @property
    def messages(self) -> int:
        return self.conversations * 5

    @property
    def contacts(self) -> int:
        return max(self.conversations // 3, 1)

    @property
    def database(self) -> str:
        """Smaller stores get a database of their own, so a quick check never replaces the full-size one."""
        return DATABASE if self.conversations == FULL_SIZE else f"{DATABASE}_{self.conversations}"


def _bench_tables_only(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    del obj, reflected, compare_to
    return type_ != "table" or name in SCHEMA_TABLES


def _schema_differences(connection: Connection) -> list[object]:
    """What the bench's tables lack against the models: a reused database must serve today's queries."""
    options = {"include_name": compared_with_models, "include_object": _bench_tables_only}
    return list(compare_metadata(MigrationContext.configure(connection, opts=options), Base.metadata))


async def _reusable(url: str, marker: str) -> bool:
    # New revisions are applied first; a database whose tables still differ from the models is rebuilt.
    before = await _revision(url)
    await asyncio.to_thread(upgrade, url)
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            found = await connection.scalar(text(MARKER_SQL))
            if found != marker:
                return False
            differences = await connection.run_sync(_schema_differences)
    finally:
        await engine.dispose()
    for difference in differences:
        print(f"  schema changed: {difference}", flush=True)
    if not differences and await _revision(url) != before:
        # A revision's backfill leaves rows that index-only scans must check in the table until vacuumed.
        connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
        try:
            await _step(connection, "vacuum analyze after new revisions", "VACUUM ANALYZE")
        finally:
            await connection.close()
    return not differences


async def _revision(url: str) -> str | None:
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        exists = await connection.fetchval("SELECT to_regclass('alembic_version') IS NOT NULL")
        return await connection.fetchval("SELECT version_num FROM alembic_version") if exists else None
    finally:
        await connection.close()


def _array(values: list[str]) -> str:
    quoted = ", ".join("'" + value.replace("'", "''") + "'" for value in values)
    return f"ARRAY[{quoted}]::text[]"


def _pick(values: list[str]) -> str:
    return f"({_array(values)})[1 + floor(random() * {len(values)})::int]"


async def ensure_filled(admin_dsn: str, size: Size, *, fresh: bool) -> tuple[str, str]:
    """The bench database's asyncpg DSN and SQLAlchemy URL, filled to ``size`` (reused when it already is)."""
    database = size.database
    dsn = admin_dsn.rsplit("/", 1)[0] + f"/{database}"
    url = dsn.replace("postgresql://", "postgresql+asyncpg://", 1)
    marker = f"bench:{size.conversations}"
    admin = await asyncpg.connect(admin_dsn)
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if exists and not fresh and await _reusable(url, marker):
            print(f"reusing {database} ({size.conversations:,} conversations)", flush=True)
            return dsn, url
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{database}"')
    finally:
        await admin.close()
    await asyncio.to_thread(upgrade, url)
    await _fill(dsn, size)
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(f"COMMENT ON DATABASE \"{database}\" IS '{marker}'")
    finally:
        await connection.close()
    return dsn, url


async def _step(connection: asyncpg.Connection, label: str, sql: str, *args: object) -> None:
    started = time.perf_counter()
    await connection.execute(sql, *args)
    print(f"  {label}: {time.perf_counter() - started:.1f} s", flush=True)


async def _fill(dsn: str, size: Size) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        print(f"filling {size.database}: {size.conversations:,} conversations, {size.messages:,} messages", flush=True)
        await connection.execute("SET maintenance_work_mem = '512MB'")
        await connection.execute("SET session_replication_role = replica")
        await connection.execute("SELECT setseed(0.42)")
        indexes = await connection.fetch(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.schemaname = 'public' AND i.tablename = ANY($1::text[])
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
            """,
            list(FILLED_TABLES),
        )
        for row in indexes:
            await connection.execute(f'DROP INDEX "{row["indexname"]}"')
        await _fill_people(connection, size)
        await _fill_conversations(connection, size)
        await _fill_messages(connection, size)
        for row in indexes:
            await _step(connection, f"index {row['indexname']}", row["indexdef"])
        await _step(connection, "vacuum analyze", "VACUUM ANALYZE")
    finally:
        await connection.close()


async def _fill_people(connection: asyncpg.Connection, size: Size) -> None:
    await connection.execute(
        "INSERT INTO teams (name, created_at) SELECT 'Team ' || g, now() FROM generate_series(1, $1) AS g", TEAMS
    )
    # Agent a belongs to team 1 + (a - 1) % TEAMS; one in ten is a supervisor.
    await connection.execute(
        """
        INSERT INTO agents (name, email, role, presence, skills, languages, capacity, timezone, schedule,
                            active, created_at)
        SELECT 'Agent ' || g, 'agent' || g || '@bench.example',
               CASE WHEN g <= $2 THEN 'supervisor' ELSE 'agent' END, 'online', '[]', '[]', '{}', 'UTC', '{}',
               true, now()
        FROM generate_series(1, $1) AS g
        """,
        TEAMS * AGENTS_PER_TEAM,
        TEAMS,
    )
    await connection.execute(
        "INSERT INTO agent_teams (agent_id, team_id) SELECT id, 1 + (id - 1) % $1 FROM agents",
        TEAMS,
    )
    chinese = f"{_pick(SURNAMES)} || {_pick(GIVEN)}"
    english = f"{_pick(FIRST)} || ' ' || {_pick(LAST)}"
    await _step(
        connection,
        "contacts",
        f"""
        INSERT INTO contacts (name, language, consent, realised_value, potential_value, model_value, cost_to_serve,
                              value_score, tier, is_key_account, relationship_class, custom_attributes,
                              created_at, updated_at)
        SELECT CASE WHEN z THEN {chinese} ELSE {english} END, CASE WHEN z THEN 'zh' ELSE 'en' END,
               '{{}}', 0, 0, 0, 0, 0,
               CASE WHEN t < 0.02 THEN 'platinum' WHEN t < 0.10 THEN 'gold' WHEN t < 0.30 THEN 'silver'
                    ELSE 'bronze' END,
               t < 0.01, 'long_term', '{{}}', now(), now()
        FROM (SELECT g, random() < 0.4 AS z, random() AS t FROM generate_series(1, $1) AS g) AS s
        """,
        size.contacts,
    )
    await _step(
        connection,
        "identities",
        """
        INSERT INTO contact_identities (contact_id, kind, value, verified, created_at)
        SELECT id, 'email', 'customer' || id || '@mail' || (id % 50) || '.example', true, now() FROM contacts
        UNION ALL
        SELECT id, 'phone', '+1415' || lpad(id::text, 7, '0'), true, now() FROM contacts WHERE id % 2 = 0
        """,
    )


async def _fill_conversations(connection: asyncpg.Connection, size: Size) -> None:
    # Open work is recent; resolved work spreads over two years. A third of open work waits unassigned.
    await _step(
        connection,
        "conversations",
        f"""
        INSERT INTO conversations (contact_id, channel, status, priority, assignee_id, team_id, labels, subject,
                                   reply_token, is_complaint, created_at, last_message_at, first_response_at,
                                   resolved_at, first_response_due_at, resolution_due_at, tier_rank)
        SELECT contact_id, channel, status, 0,
               CASE WHEN status = 'open' AND u < 0.35 THEN NULL
                    WHEN team_id IS NULL THEN CASE WHEN status = 'open' THEN NULL ELSE 1 + floor(u * $3)::int END
                    ELSE team_id + $2 * floor(u * $4)::int END,
               team_id,
               CASE WHEN u < 0.10 THEN '["vip"]' WHEN u < 0.15 THEN '["refund"]'
                    WHEN u < 0.18 THEN '["billing", "urgent"]' ELSE '[]' END::jsonb,
               CASE WHEN channel = 'email' THEN {_pick(EN_SUBJECTS)} END,
               md5(g::text), random() < 0.03,
               last - interval '6 hours', last,
               CASE WHEN status = 'open' AND u < 0.5 THEN NULL ELSE last - interval '5 hours' END,
               CASE WHEN status = 'resolved' THEN last END,
               last - interval '2 hours', last + interval '1 day',
               -- As the store's trigger would stamp it (triggers are off for the fill).
               (SELECT CASE tier WHEN 'platinum' THEN 0 WHEN 'gold' THEN 1 WHEN 'silver' THEN 2 ELSE 3 END
                FROM contacts WHERE contacts.id = contact_id)
        FROM (
            SELECT g, 1 + floor(random() * $5)::int AS contact_id, random() AS u,
                   CASE WHEN c < 0.50 THEN 'email' WHEN c < 0.70 THEN 'sms' WHEN c < 0.85 THEN 'webchat'
                        WHEN c < 0.95 THEN 'phone' ELSE 'fax' END AS channel,
                   CASE WHEN s < 0.12 THEN 'open' WHEN s < 0.17 THEN 'pending' WHEN s < 0.19 THEN 'snoozed'
                        ELSE 'resolved' END AS status,
                   CASE WHEN t < 0.10 THEN NULL ELSE 1 + floor(t * 1000)::int % $2 END AS team_id,
                   CASE WHEN s < 0.19 THEN now() - random() * interval '10 days'
                        ELSE now() - random() * interval '730 days' END AS last
            FROM (SELECT g, random() AS c, random() AS s, random() AS t FROM generate_series(1, $1) AS g) AS r
        ) AS conversation
        """,
        size.conversations,
        TEAMS,
        TEAMS * AGENTS_PER_TEAM,
        AGENTS_PER_TEAM,
        size.contacts,
    )


async def _fill_messages(connection: asyncpg.Connection, size: Size) -> None:
    # Ids follow time, as ingest leaves them; a message's conversation is drawn at random (about five each).
    english = f"{_pick(EN_PHRASES)} || ' ' || {_pick(EN_PHRASES)} || ' Order ORD-' || lpad((g % 999983)::text, 6, '0')"
    chinese = f"{_pick(ZH_PHRASES)} || {_pick(ZH_PHRASES)} || ' 订单号 ' || lpad((g % 999983)::text, 6, '0')"
    await _step(
        connection,
        "messages",
        f"""
        INSERT INTO messages (conversation_id, direction, channel, kind, subject, text, delivery_status,
                              is_automatic, details, created_at)
        SELECT 1 + floor(random() * $2)::int,
               CASE WHEN d < 0.60 THEN 'inbound' WHEN d < 0.95 THEN 'outbound' ELSE 'internal' END,
               'email', 'message',
               CASE WHEN d < 0.30 THEN CASE WHEN z THEN {_pick(ZH_SUBJECTS)} ELSE {_pick(EN_SUBJECTS)} END END,
               CASE WHEN z THEN {chinese} ELSE {english} END,
               CASE WHEN d < 0.60 THEN 'received' ELSE 'delivered' END, false, '{{}}',
               now() - ($1 - g) * interval '10 seconds'
        FROM (SELECT g, random() AS d, random() < 0.35 AS z FROM generate_series(1, $1) AS g) AS s
        """,
        size.messages,
        size.conversations,
    )

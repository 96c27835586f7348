"""Fixtures shared by the whole suite. ``HUB_TEST_BACKEND`` picks SQLite + embedded runner (default) or
PostgreSQL + Redis/arq; ``make test`` runs the suite once with each."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis
from sqlalchemy import text

from channels.base import ChannelName
from channels.registry import ChannelRegistry
from inbox.migrate import upgrade
from inbox.models import Base
from inbox.settings import Settings, load_settings
from tests.support import backends
from tests.support.jobs import JobDriver
from tests.support.recording_channel import RecordingChannel
from workers.composition import build_context, close_context
from workers.context import JobContext

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED = PROJECT_ROOT.parent / "shared"


def pytest_report_header(config: pytest.Config) -> str:
    del config
    if backends.uses_postgres():
        return f"backend: PostgreSQL ({backends.POSTGRES_ADMIN_DSN}) + Redis/arq ({backends.REDIS_URL})"
    return "backend: SQLite + embedded job runner"


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A store migrated once per session: a template SQLite file, or a fresh PostgreSQL database."""
    if backends.uses_postgres():
        import asyncio

        problem = asyncio.run(backends.postgres_reachable())
        if problem is not None:
            if backends.REQUIRED:
                pytest.fail(f"CI requires the PostgreSQL + Redis run: {problem}")
            pytest.skip(f"PostgreSQL + Redis run skipped: {problem}")
        name = backends.fresh_database_name()
        asyncio.run(backends.create_database(name))
        url = backends.async_url(name)
        upgrade(url)
        yield url
        asyncio.run(backends.drop_database(name))
    else:
        template = tmp_path_factory.mktemp("template") / "hub.db"
        upgrade(f"sqlite+aiosqlite:///{template}")
        yield str(template)


@pytest.fixture
def database_url(migrated_database: str, tmp_path: Path) -> str:
    if backends.uses_postgres():
        return migrated_database
    copy = tmp_path / "hub.db"
    shutil.copy(migrated_database, copy)
    return f"sqlite+aiosqlite:///{copy}"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    jobs: dict[str, Any] = {
        "backoff_base_seconds": 0.01,
        "backoff_max_seconds": 0.05,
        "max_attempts": 4,
        "relay_interval_seconds": 0.05,
    }
    if backends.uses_postgres():
        jobs.update(redis_url=backends.REDIS_URL, queue_name=f"hub:test:{uuid.uuid4().hex[:8]}")
    return load_settings(
        database={"url": database_url},
        hub={"data_dir": str(tmp_path / "data")},
        jobs=jobs,
    )


@pytest.fixture
def channels() -> ChannelRegistry:
    registry = ChannelRegistry()
    for name in ChannelName:
        registry.register(RecordingChannel(name))
    return registry


@pytest.fixture
async def ctx(settings: Settings, channels: ChannelRegistry) -> AsyncIterator[JobContext]:
    context = build_context(settings, channels)
    yield context
    if backends.uses_postgres():
        async with context.store.write() as session:
            tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
            await session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    await close_context(context)


@pytest.fixture
async def jobs(ctx: JobContext) -> AsyncIterator[JobDriver]:
    driver = JobDriver(ctx)
    yield driver
    await driver.close()
    if backends.uses_postgres():
        client = aioredis.from_url(backends.REDIS_URL)
        keys = [key async for key in client.scan_iter(match=f"{ctx.settings.jobs.queue_name}*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()

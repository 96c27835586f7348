from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from inbox.models import Agent, Contact, Conversation, Message
from inbox.settings import Settings
from inbox.store import Store

ROOT = Path(__file__).resolve().parents[2]


def hub(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "workers.cli", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_check_names_the_problem_and_fails() -> None:
    result = hub("check", env={"HUB_JOBS__MAX_ATTEMPTS": "-1"})
    assert result.returncode == 2
    assert "jobs.max_attempts" in result.stderr


def test_check_reports_an_unreachable_store(tmp_path: Path) -> None:
    result = hub("check", env={"HUB_DATABASE__URL": "postgresql+asyncpg://nobody@127.0.0.1:1/none"})
    assert result.returncode == 1
    assert "database.url: cannot reach the store" in result.stderr


@pytest.mark.skipif("sys.platform == 'win32'")
async def test_migrate_then_demo_fills_an_empty_store_once(tmp_path: Path) -> None:
    from inbox.settings import load_settings

    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    env = {"HUB_DATABASE__URL": url, "HUB_HUB__DATA_DIR": str(tmp_path / "data")}
    assert hub("migrate", env=env).returncode == 0
    first = hub("demo", "--if-empty", "--customers", "40", env=env)
    assert first.returncode == 0, first.stderr
    assert "Demo data loaded" in first.stdout
    second = hub("demo", "--if-empty", env=env)
    assert "already holds data" in second.stdout
    settings: Settings = load_settings(database={"url": url}, hub={"data_dir": str(tmp_path / "data")})
    store = Store(settings)
    try:
        async with store.read() as session:
            contacts = (await session.execute(select(func.count(Contact.id)))).scalar_one()
            agents = (await session.execute(select(func.count(Agent.id)))).scalar_one()
            channels = set((await session.execute(select(Conversation.channel).distinct())).scalars())
            messages = (await session.execute(select(func.count(Message.id)))).scalar_one()
            assigned = (
                await session.execute(select(func.count()).where(Conversation.assignee_id.is_not(None)))
            ).scalar_one()
    finally:
        await store.dispose()
    assert contacts == 40 and agents >= 6
    assert channels == {"email", "sms", "webchat", "fax", "phone"}
    assert messages > 200
    assert assigned > 0

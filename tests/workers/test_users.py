from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from inbox.actions.api_tokens import token_digest
from inbox.models import Agent, ApiToken
from inbox.passwords import verify_password
from inbox.settings import load_settings
from inbox.store import Store

ROOT = Path(__file__).resolve().parents[2]


def hub(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workers.cli", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


async def test_user_add_reads_the_password_from_stdin_and_token_prints_one(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"
    env = {"HUB_DATABASE__URL": url, "HUB_HUB__DATA_DIR": str(tmp_path / "data")}
    assert hub(env, "migrate").returncode == 0
    added = hub(
        env,
        "user",
        "add",
        "ann@hub.example",
        "--name",
        "Ann Lee",
        "--role",
        "supervisor",
        "--team",
        "VIP",
        stdin="a long password\n",
    )
    assert added.returncode == 0, added.stderr
    assert "Created supervisor ann@hub.example" in added.stdout
    again = hub(env, "user", "add", "ann@hub.example", "--name", "Ann", stdin="a long password\n")
    assert again.returncode == 1 and "already exists" in again.stderr
    weak = hub(env, "user", "add", "bo@hub.example", "--name", "Bo", stdin="short\n")
    assert weak.returncode == 1 and "at least" in weak.stderr
    token = hub(env, "user", "token", "ann@hub.example")
    assert token.returncode == 0 and token.stdout.startswith("hub_")
    store = Store(load_settings(database={"url": url}, hub={"data_dir": str(tmp_path / "data")}))
    try:
        async with store.read() as session:
            agent = (await session.execute(select(Agent).options(selectinload(Agent.teams)))).scalar_one()
            stored = (await session.execute(select(ApiToken))).scalar_one()
    finally:
        await store.dispose()
    assert agent.name == "Ann Lee" and [t.name for t in agent.teams] == ["VIP"]
    assert verify_password(agent.password_hash, "a long password")
    assert stored.token_sha256 == token_digest(token.stdout.strip())

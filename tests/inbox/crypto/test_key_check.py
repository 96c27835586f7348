from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from inbox.actions.keys import do_register_primary_key
from inbox.crypto.key_check import key_problems, require_usable_keys
from inbox.crypto.keyring import Keyring, KeyringError
from tests.support.privacy import KEY_A, KEY_B, keyed_store
from workers.context import JobContext

ROOT = Path(__file__).resolve().parents[3]


def hub(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workers.cli", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_a_store_that_never_sealed_anything_needs_no_key(ctx: JobContext) -> None:
    async with keyed_store(ctx.settings) as store:
        assert await key_problems(store) == []


async def test_the_keys_that_sealed_the_store_pass(ctx: JobContext) -> None:
    async with keyed_store(ctx.settings, KEY_A) as store:
        assert await do_register_primary_key(store) == Keyring.from_text(KEY_A).primary_id
        await require_usable_keys(store)
    async with keyed_store(ctx.settings, KEY_B, KEY_A) as store:
        assert await key_problems(store) == []


async def test_a_missing_key_stops_the_start(ctx: JobContext) -> None:
    async with keyed_store(ctx.settings, KEY_A) as store:
        await do_register_primary_key(store)
    async with keyed_store(ctx.settings) as store:
        with pytest.raises(KeyringError, match="HUB_PRIVACY__ENCRYPTION_KEYS is not set"):
            await require_usable_keys(store)


async def test_a_wrong_key_stops_the_start_naming_the_key_it_needs(ctx: JobContext) -> None:
    async with keyed_store(ctx.settings, KEY_A) as store:
        await do_register_primary_key(store)
    async with keyed_store(ctx.settings, KEY_B) as store:
        problems = await key_problems(store)
    assert len(problems) == 1
    assert Keyring.from_text(KEY_A).primary_id in problems[0] and "not configured" in problems[0]


async def test_hub_check_fails_on_a_wrong_key(ctx: JobContext) -> None:
    async with keyed_store(ctx.settings, KEY_A) as store:
        await do_register_primary_key(store)
    env = {"HUB_DATABASE__URL": ctx.settings.database_url, "HUB_PRIVACY__ENCRYPTION_KEYS": KEY_B}
    result = hub("check", env=env)
    assert result.returncode == 1
    assert "privacy.encryption_keys" in result.stderr
    assert hub("check", env={**env, "HUB_PRIVACY__ENCRYPTION_KEYS": KEY_A}).returncode == 0


def test_hub_check_refuses_a_malformed_key_without_echoing_it() -> None:
    malformed = "too-short-to-be-a-key-yet-secret"
    result = hub("check", env={"HUB_PRIVACY__ENCRYPTION_KEYS": malformed})
    assert result.returncode == 2
    assert "privacy.encryption_keys" in result.stderr
    assert malformed not in result.stderr + result.stdout


def test_hub_check_passes_on_a_store_not_yet_migrated(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    result = hub("check", env={"HUB_DATABASE__URL": url, "HUB_HUB__DATA_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr

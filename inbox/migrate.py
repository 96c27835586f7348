"""Bringing a store's schema up to date with Alembic, from the CLI, at start-up and in tests."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

from inbox.settings import Settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    return config


def _prepare_sqlite_folder(url: str) -> None:
    if url.startswith("sqlite") and ":memory:" not in url:
        Path(url.split(":///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)


def upgrade(url: str, revision: str = "head") -> None:
    """Run in a worker thread when called from async code: Alembic's env starts its own event loop."""
    _prepare_sqlite_folder(url)
    command.upgrade(alembic_config(url), revision)


async def upgrade_async(settings: Settings, revision: str = "head") -> None:
    await asyncio.to_thread(upgrade, settings.database_url, revision)

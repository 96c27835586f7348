"""The two backends the suite runs against: SQLite with the embedded runner, PostgreSQL with Redis and arq."""

from __future__ import annotations

import os
import uuid

import asyncpg
import redis.asyncio as aioredis

BACKEND = os.environ.get("HUB_TEST_BACKEND", "sqlite")
POSTGRES_ADMIN_DSN = os.environ.get("HUB_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("HUB_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REQUIRED = os.environ.get("CI", "").lower() == "true"


def uses_postgres() -> bool:
    return BACKEND == "postgres"


async def postgres_reachable() -> str | None:
    try:
        connection = await asyncpg.connect(POSTGRES_ADMIN_DSN, timeout=5)
        await connection.close()
    except Exception as error:
        return f"PostgreSQL at {POSTGRES_ADMIN_DSN} is not reachable ({error})"
    try:
        client = aioredis.from_url(REDIS_URL)
        await client.ping()
        await client.aclose()
    except Exception as error:
        return f"Redis at {REDIS_URL} is not reachable ({error})"
    return None


def fresh_database_name() -> str:
    return f"hub_test_{uuid.uuid4().hex[:12]}"


async def create_database(name: str) -> None:
    connection = await asyncpg.connect(POSTGRES_ADMIN_DSN)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


async def drop_database(name: str) -> None:
    connection = await asyncpg.connect(POSTGRES_ADMIN_DSN)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


def async_url(database: str) -> str:
    base = POSTGRES_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{database}"

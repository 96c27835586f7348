"""``hub check``: beyond the file's syntax, can the configured store and Redis actually be reached?"""

from __future__ import annotations

from redis.asyncio import Redis
from sqlalchemy import text

from inbox.crypto.key_check import key_problems
from inbox.settings import Settings
from inbox.store import Store


async def check_services(settings: Settings) -> list[str]:
    problems: list[str] = []
    store = Store(settings)
    try:
        async with store.read() as session:
            await session.execute(text("SELECT 1"))
        problems.extend(await key_problems(store))
    except Exception as error:
        problems.append(f"database.url: cannot reach the store ({type(error).__name__}: {error})")
    finally:
        await store.dispose()
    if settings.jobs.uses_arq:
        client = Redis.from_url(settings.jobs.redis_url)
        try:
            await client.ping()
        except Exception as error:
            problems.append(f"jobs.redis_url: cannot reach Redis ({type(error).__name__}: {error})")
        finally:
            await client.aclose()
    return problems

"""Stores opened with given encryption keys over the test's database, as processes configured with them would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pydantic import SecretStr

from inbox.crypto.keyring import generate_key
from inbox.settings import Settings
from inbox.store import Store

KEY_A = generate_key()
KEY_B = generate_key()


def with_keys(settings: Settings, *keys: str, sensitive: tuple[str, ...] = ("passport_note",)) -> Settings:
    privacy = settings.privacy.model_copy(
        update={
            "encryption_keys": SecretStr(",".join(keys)) if keys else None,
            "sensitive_attributes": list(sensitive),
        }
    )
    return settings.model_copy(update={"privacy": privacy})


@asynccontextmanager
async def keyed_store(
    settings: Settings, *keys: str, sensitive: tuple[str, ...] = ("passport_note",)
) -> AsyncIterator[Store]:
    store = Store(with_keys(settings, *keys, sensitive=sensitive))
    try:
        yield store
    finally:
        await store.dispose()

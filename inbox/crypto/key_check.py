"""Before the hub reads anything: are the keys that sealed this store's values configured, and are they right?

Every key that ever sealed a value here is registered with a check value only it can open (``EncryptionKey``).
A key still in use that is missing from the configuration, or a configured key under the same id that cannot open
its check value, stops ``hub check`` and the start of the app with a message naming the key, never later with
unreadable data.
"""

from __future__ import annotations

from sqlalchemy import inspect, select

from inbox.crypto.keyring import Keyring, KeyringError
from inbox.models import EncryptionKey
from inbox.store import Store

CHECK_TEXT = "the hub's encryption key check"
CHECK_PURPOSE = "encryption_keys.check_value"


def check_value(keyring: Keyring) -> str:
    return keyring.encrypt(CHECK_TEXT, CHECK_PURPOSE)


async def key_problems(store: Store) -> list[str]:
    keyring = store.protection.keyring
    async with store.read() as session:
        # A store not migrated yet (`hub check` runs before `hub migrate` on a first start) has sealed nothing.
        migrated = await session.run_sync(
            lambda sync: inspect(sync.connection()).has_table(EncryptionKey.__tablename__)
        )
        if not migrated:
            return []
        rows = (await session.execute(select(EncryptionKey).where(EncryptionKey.retired_at.is_(None)))).scalars()
        in_use = list(rows)
    if not in_use:
        return []
    if keyring is None:
        ids = ", ".join(row.key_id for row in in_use)
        return [
            f"privacy.encryption_keys: the store holds values sealed with key {ids}, "
            "but HUB_PRIVACY__ENCRYPTION_KEYS is not set"
        ]
    problems: list[str] = []
    for row in in_use:
        if row.key_id not in keyring.ciphers:
            problems.append(
                f"privacy.encryption_keys: key {row.key_id} sealed values in the store and is not configured "
                "(a missing or wrong key; configured: " + ", ".join(keyring.key_ids) + ")"
            )
            continue
        try:
            opened = keyring.decrypt(row.check_value, CHECK_PURPOSE)
        except KeyringError:
            opened = None
        if opened != CHECK_TEXT:
            problems.append(f"privacy.encryption_keys: the key configured as {row.key_id} is not the one that sealed")
    return problems


async def require_usable_keys(store: Store) -> None:
    """Raise ``KeyringError`` listing every problem; the caller stops the process."""
    problems = await key_problems(store)
    if problems:
        raise KeyringError("\n".join(problems))

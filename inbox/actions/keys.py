"""Registering the sealing key and rotating to a new one without stopping the hub.

Rotation walks every sealed column in short batches, each its own transaction, re-sealing with the newest key
whatever an older key sealed. The hub keeps serving meanwhile: every configured key still opens what it sealed.
Only when a final pass finds nothing left under an older key are those keys marked retired, after which they may
be removed from HUB_PRIVACY__ENCRYPTION_KEYS. Every process must run with the new key listed first before a
rotation starts, or it would keep sealing with the old one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import TableClause

from inbox import audit
from inbox.crypto.columns import SEALED_MARK, attribute_purpose, is_sealed
from inbox.crypto.key_check import check_value
from inbox.crypto.keyring import Keyring
from inbox.crypto.sealed_columns import SealedTable, sealed_tables
from inbox.models import EncryptionKey, utcnow
from inbox.store import Store


@dataclass
class RotationReport:
    rows_scanned: int = 0
    values_resealed: int = 0
    left_behind: int = 0
    retired: list[str] = field(default_factory=list)


async def do_register_primary_key(store: Store) -> str | None:
    """Record the newest key as one that seals values here; returns its id, None when no key is configured."""
    keyring = store.protection.keyring
    if keyring is None:
        return None
    async with store.write() as session:
        row = await session.get(EncryptionKey, keyring.primary_id)
        if row is None:
            session.add(EncryptionKey(key_id=keyring.primary_id, check_value=check_value(keyring)))
            audit.record(session, "privacy.key_registered", key_id=keyring.primary_id)
        elif row.retired_at is not None:
            row.retired_at = None
    return keyring.primary_id


async def do_rotate_keys(store: Store, *, batch_size: int) -> RotationReport:
    keyring = store.protection.require_keyring()
    await do_register_primary_key(store)
    report = RotationReport()
    for sealed in sealed_tables():
        await _reseal_table(store, keyring, sealed, batch_size, report)
    for sealed in sealed_tables():
        report.left_behind += await _count_stale(store, keyring, sealed, batch_size)
    if report.left_behind == 0:
        async with store.write() as session:
            stale = await session.execute(
                select(EncryptionKey).where(
                    EncryptionKey.key_id != keyring.primary_id, EncryptionKey.retired_at.is_(None)
                )
            )
            for row in stale.scalars():
                row.retired_at = utcnow()
                report.retired.append(row.key_id)
            audit.record(
                session,
                "privacy.keys_rotated",
                key_id=keyring.primary_id,
                values_resealed=report.values_resealed,
                retired=report.retired,
            )
    return report


def _reseal_row(keyring: Keyring, sealed: SealedTable, row: dict[str, Any], names: frozenset[str]) -> int:
    """Re-seal in place whatever an older key sealed; returns how many values changed."""
    changed = 0
    for name, purpose in sealed.sealed.items():
        token = row[name]
        if token is not None and not keyring.is_current(token):
            row[name] = keyring.reseal(token, purpose)
            changed += 1
    for name in sealed.documents:
        document = dict(row[name] or {})
        for attribute, item in document.items():
            purpose = attribute_purpose(attribute)
            if is_sealed(item) and not keyring.is_current(item[SEALED_MARK]):
                opened = keyring.decrypt(item[SEALED_MARK], purpose)
                document[attribute] = {SEALED_MARK: keyring.encrypt(opened, purpose)}
                changed += 1
            elif attribute in names and item is not None and not is_sealed(item):
                # Named sensitive after it was stored: sealed now.
                document[attribute] = {SEALED_MARK: keyring.encrypt(json.dumps(item, ensure_ascii=False), purpose)}
                changed += 1
        row[name] = document
    return changed


async def _reseal_table(
    store: Store, keyring: Keyring, sealed: SealedTable, batch_size: int, report: RotationReport
) -> None:
    raw = sealed.raw()
    key = raw.c[sealed.key]
    names = store.protection.sensitive_attributes
    last: Any = None
    while True:
        async with store.write() as session:
            query = select(*raw.c).order_by(key).limit(batch_size).with_for_update()
            if last is not None:
                query = query.where(key > last)
            rows = [dict(row._mapping) for row in await session.execute(query)]
            if not rows:
                return
            last = rows[-1][sealed.key]
            report.rows_scanned += len(rows)
            changed: list[dict[str, Any]] = []
            for row in rows:
                count = _reseal_row(keyring, sealed, row, names)
                if count:
                    report.values_resealed += count
                    changed.append(row)
            if changed:
                await _write_back(session, raw, sealed, changed)


async def _write_back(session: AsyncSession, raw: TableClause, sealed: SealedTable, rows: list[dict[str, Any]]) -> None:
    names = (*sealed.sealed, *sealed.documents)
    statement = update(raw).where(raw.c[sealed.key] == bindparam("row_key")).values({n: bindparam(n) for n in names})
    await session.execute(statement, [{"row_key": row[sealed.key], **{n: row[n] for n in names}} for row in rows])


async def _count_stale(store: Store, keyring: Keyring, sealed: SealedTable, batch_size: int) -> int:
    raw = sealed.raw()
    stale = 0
    async with store.read() as session:
        result = await session.stream(select(*raw.c).execution_options(yield_per=batch_size))
        async for row in result:
            stale += _reseal_row(keyring, sealed, dict(row._mapping), store.protection.sensitive_attributes)
    return stale

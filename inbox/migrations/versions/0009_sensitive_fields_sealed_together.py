"""sensitive fields sealed together

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23

A customer's five sensitive fields were five text columns, each value sealed on its own as a base64 text token.
They are now one binary column, ``contacts.sensitive_fields``, holding the five sealed together as one binary
token (``inbox.crypto.sealed_record``): one AES-GCM operation per customer instead of five, and no text encoding.

Existing values are opened and sealed again, so the keys must be in ``HUB_PRIVACY__ENCRYPTION_KEYS`` as for the
hub itself (the newest key seals); a store holding sealed values without them stops here, before any change. A
store with no sensitive value needs no key. The downgrade seals each field on its own again.

The old columns are dropped with ``ALTER TABLE … DROP COLUMN`` on both backends, not a batch rebuild, so the
triggers on ``contacts`` (search, serving order) stay in place on SQLite.
"""

from __future__ import annotations

import json
import os
from typing import Any

import sqlalchemy as sa
from alembic import op

from inbox.crypto.keyring import Keyring, KeysMissing

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

FIELDS = ("id_document_number", "date_of_birth", "income", "health_notes", "family_details")
RECORD_PURPOSE = "contacts.sensitive_fields"
KEYS_VARIABLE = "HUB_PRIVACY__ENCRYPTION_KEYS"
BATCH = 1000


def _field_purpose(name: str) -> str:
    return f"contacts.{name}"


def _keyring() -> Keyring:
    text = os.environ.get(KEYS_VARIABLE, "")
    if not text.strip():
        raise KeysMissing(f"the store holds sealed customer fields: set {KEYS_VARIABLE} to migrate them")
    return Keyring.from_text(text)


def _rows(query: sa.Select[Any]) -> list[sa.Row[Any]]:
    return list(op.get_bind().execute(query))


def _write(statement: sa.Update, changes: list[dict[str, Any]]) -> None:
    for start in range(0, len(changes), BATCH):
        op.get_bind().execute(statement, changes[start : start + BATCH])


def _contacts() -> sa.TableClause:
    return sa.table(
        "contacts",
        sa.column("id"),
        sa.column("sensitive_fields", sa.LargeBinary()),
        *(sa.column(name, sa.Text()) for name in FIELDS),
    )


def upgrade() -> None:
    contacts = _contacts()
    rows = _rows(
        sa.select(contacts.c.id, *(contacts.c[name] for name in FIELDS))
        .where(sa.or_(*(contacts.c[name].is_not(None) for name in FIELDS)))
        .order_by(contacts.c.id)
    )
    # Every value is opened and sealed anew before the schema changes: a store the keys cannot open (no key, a
    # wrong one) stops the migration with nothing changed.
    changes = []
    if rows:
        keyring = _keyring()
        openers = {name: keyring.opener(_field_purpose(name)) for name in FIELDS}
        seal = keyring.binary_sealer(RECORD_PURPOSE)
        for row in rows:
            # The opened text is the value's stored form already (ISO date, decimal text), as the record keeps it:
            # a JSON array in field order, null where absent, trailing nulls left out.
            values = [None if (token := getattr(row, name)) is None else openers[name](token) for name in FIELDS]
            while values[-1] is None:
                values.pop()
            record = json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            changes.append({"row_id": row.id, "sealed": seal(record)})
    op.add_column("contacts", sa.Column("sensitive_fields", sa.LargeBinary(), nullable=True))
    statement = (
        sa.update(contacts)
        .where(contacts.c.id == sa.bindparam("row_id"))
        .values(sensitive_fields=sa.bindparam("sealed"))
    )
    _write(statement, changes)
    for name in FIELDS:
        op.execute(f"ALTER TABLE contacts DROP COLUMN {name}")


def downgrade() -> None:
    contacts = _contacts()
    rows = _rows(
        sa.select(contacts.c.id, contacts.c.sensitive_fields)
        .where(contacts.c.sensitive_fields.is_not(None))
        .order_by(contacts.c.id)
    )
    changes = []
    if rows:
        keyring = _keyring()
        open_record = keyring.binary_opener(RECORD_PURPOSE)
        sealers = {name: keyring.sealer(_field_purpose(name)) for name in FIELDS}
        for row in rows:
            values: list[str | None] = json.loads(open_record(bytes(row.sensitive_fields)))
            values += [None] * (len(FIELDS) - len(values))
            sealed = {
                f"sealed_{name}": None if text is None else sealers[name](text)
                for name, text in zip(FIELDS, values, strict=True)
            }
            changes.append({"row_id": row.id, **sealed})
    for name in FIELDS:
        op.add_column("contacts", sa.Column(name, sa.Text(), nullable=True))
    statement = (
        sa.update(contacts)
        .where(contacts.c.id == sa.bindparam("row_id"))
        .values({name: sa.bindparam(f"sealed_{name}") for name in FIELDS})
    )
    _write(statement, changes)
    op.execute("ALTER TABLE contacts DROP COLUMN sensitive_fields")

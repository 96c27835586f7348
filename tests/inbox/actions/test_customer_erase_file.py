"""After an erasure on SQLite, the erased bytes are gone from the database file and its write-ahead log."""

from __future__ import annotations

from pathlib import Path

import pytest

from channels.base import Identity, IdentityKind
from inbox.actions.customer_erase import do_erase_customer
from inbox.store import Store
from tests.support import backends
from tests.support.factories import inbound, ingest
from workers.context import JobContext

pytestmark = pytest.mark.skipif(backends.uses_postgres(), reason="reads the SQLite files themselves")

NAME = "Zora Quintrell"
EMAIL = "zora.quintrell@example.com"
SECRET = "my locker code is QX-77-ZEBRA-4412"
RAW_MARK = b"X-Zora-Trace: 9f3e-raw-payload-marker"
ERASED = [NAME.encode(), EMAIL.encode(), SECRET.encode(), RAW_MARK]
# Someone else's data, which must survive in the same files.
KEPT = b"Tobias Wexley keeps his booking"


def _files(store: Store) -> bytes:
    database = Path(store.url.split(":///", 1)[1])
    return b"".join(path.read_bytes() for path in database.parent.glob(database.name + "*"))


async def _checkpoint(store: Store) -> None:
    """Move what the log holds into the database file, as time and traffic eventually do."""
    async with store.writer.connect() as connection:
        raw = await connection.get_raw_connection()
        assert raw.driver_connection is not None
        await raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


async def test_erased_bytes_are_not_left_in_the_database_files(ctx: JobContext) -> None:
    zora = await ingest(
        ctx,
        inbound(
            external_id="z1@x",
            sender=Identity(IdentityKind.EMAIL, EMAIL, NAME),
            text=f"Hello, {SECRET}. Thanks!",
            raw=b"From: " + EMAIL.encode() + b"\r\n" + RAW_MARK + b"\r\n\r\nHello",
        ),
    )
    await ingest(ctx, inbound(external_id="z2@x", sender=Identity(IdentityKind.EMAIL, EMAIL, NAME), text=SECRET))
    await ingest(
        ctx,
        inbound(
            external_id="t1@x",
            sender=Identity(IdentityKind.EMAIL, "tobias@example.com", "Tobias Wexley"),
            text=KEPT.decode(),
        ),
    )
    # Some of the customer's bytes sit in the database file, some only in the log: both must be scrubbed.
    await _checkpoint(ctx.store)
    await ingest(ctx, inbound(external_id="z3@x", sender=Identity(IdentityKind.EMAIL, EMAIL, NAME), text=SECRET))
    before = _files(ctx.store)
    assert all(value in before for value in ERASED)

    await do_erase_customer(ctx.store, ctx.blobs, zora.contact_id, actor_agent_id=None)

    after = _files(ctx.store)
    left = [value for value in ERASED if value in after]
    assert left == []
    assert KEPT in after

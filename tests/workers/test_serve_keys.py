from __future__ import annotations

import pytest
from sqlalchemy import select

from inbox.actions.keys import do_register_primary_key
from inbox.crypto.keyring import Keyring, KeyringError
from inbox.models import EncryptionKey
from tests.support.privacy import KEY_A, KEY_B, keyed_store, with_keys
from workers.context import JobContext
from workers.serve import serve


async def test_the_app_does_not_start_with_a_wrong_key(ctx: JobContext) -> None:
    async with keyed_store(ctx.settings, KEY_A) as store:
        await do_register_primary_key(store)
    with pytest.raises(KeyringError, match=Keyring.from_text(KEY_A).primary_id):
        await serve(with_keys(ctx.settings, KEY_B))


async def test_registering_the_sealing_key_at_each_start_keeps_one_row(ctx: JobContext) -> None:
    async with keyed_store(ctx.settings, KEY_A) as store:
        assert await do_register_primary_key(store) == Keyring.from_text(KEY_A).primary_id
        assert await do_register_primary_key(store) == Keyring.from_text(KEY_A).primary_id
        async with store.read() as session:
            rows = (await session.execute(select(EncryptionKey))).scalars().all()
    assert [row.key_id for row in rows] == [Keyring.from_text(KEY_A).primary_id]

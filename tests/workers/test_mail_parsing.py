"""Mail parsed in a worker process reaches the store exactly as mail parsed in the event loop does."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import trustme
from sqlalchemy import select

from inbox.models import Message, Quarantine
from inbox.settings import Settings
from inbox.sink import StoreSink
from tests.conftest import SHARED
from tests.workers.email_hub import customer_mail, trust_file, with_email
from workers.context import JobContext
from workers.email_setup import compose_config, fax_config, parse_config
from workers.mail_parsing import ParsingPool


@pytest.fixture
def settings(settings: Settings, certificate_authority: trustme.CA, tmp_path: Path) -> Settings:
    return with_email(settings, trust_file(certificate_authority, tmp_path))


@pytest.fixture
def pool(settings: Settings) -> Iterator[ParsingPool]:
    workers = ParsingPool(1, parse_config(settings), compose_config(settings), fax_config(settings))
    yield workers
    workers.close()


@pytest.fixture
async def sink(ctx: JobContext) -> AsyncIterator[StoreSink]:
    store_sink = StoreSink(ctx.store, ctx.blobs, ctx.settings)
    yield store_sink
    await store_sink.close()


async def test_email_fax_and_unreadable_mail_take_their_usual_paths(
    ctx: JobContext, pool: ParsingPool, sink: StoreSink
) -> None:
    await pool.deliver(customer_mail(1), sink)
    await pool.deliver((SHARED / "corpus" / "fax" / "sample_fax.eml").read_bytes(), sink)
    await pool.deliver(b"Subject: nobody wrote this\r\n\r\nno sender at all\r\n", sink)
    async with ctx.store.read() as session:
        stored = (await session.execute(select(Message.channel, Message.external_id).order_by(Message.id))).all()
        reasons = (await session.execute(select(Quarantine.reason))).scalars().all()
    assert stored[0] == ("email", "guest1@example.com")
    assert stored[1][0] == "fax"
    assert len(stored) == 2
    assert [reason for reason in reasons if "sender" in reason] == reasons and len(reasons) == 1

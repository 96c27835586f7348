"""The network id an outbound message goes out with, fixed before the first attempt.

Mail carries a Message-ID we choose. If a send fails after the server took the message (a dropped connection
before its reply), the retry must reuse the same id, or the customer holds two copies that thread apart.
"""

from __future__ import annotations

from inbox.models import Message
from inbox.store import Store

RESERVED_ID_KEY = "reserved_external_id"


async def do_reserve_external_id(store: Store, message_id: int, proposed: str) -> str:
    """The id an earlier attempt reserved, or ``proposed``, which is recorded for later attempts."""
    async with store.write() as session:
        message = await session.get(Message, message_id)
        if message is None:
            return proposed
        existing = message.details.get(RESERVED_ID_KEY)
        if existing:
            return str(existing)
        message.details = {**message.details, RESERVED_ID_KEY: proposed}
        return proposed

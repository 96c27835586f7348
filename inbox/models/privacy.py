"""The encryption keys that have sealed values in this store, each with a check value it alone can open."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from inbox.models.base import Base, UTCDateTime, utcnow


class EncryptionKey(Base):
    """A key known to have sealed data here. At start every key not yet retired must be configured and open its
    check value, so a missing or wrong key stops the hub before it reads anything."""

    __tablename__ = "encryption_keys"

    key_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    check_value: Mapped[str] = mapped_column(Text)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set once a rotation has re-sealed everything with a newer key: from then on this key may be removed.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

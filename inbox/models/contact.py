"""The customer record: one person behind every email address, phone number, fax number and chat visitor."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inbox.crypto.columns import AttributesDocument
from inbox.crypto.sealed_record import SealedRecord
from inbox.models.base import Base, BigId, JsonDocument, UTCDateTime, utcnow
from inbox.models.sensitive import SensitiveField, SensitiveFields

Money = Numeric(14, 2)


class Contact(Base):
    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(16))
    timezone: Mapped[str | None] = mapped_column(String(64))
    preferred_channel: Mapped[str | None] = mapped_column(String(20))
    # Channel name -> True (consented) / False (opted out); a missing channel means never asked.
    consent: Mapped[dict[str, bool]] = mapped_column(JsonDocument, default=dict)
    owner_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    realised_value: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    potential_value: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    model_value: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    # Concessions made to the customer (discounts, compensation), imported or recorded; the handled contacts'
    # share of the cost to serve is counted from the conversations when the value is recomputed.
    cost_to_serve: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    value_score: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    value_computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tier: Mapped[str] = mapped_column(String(20), default="bronze")
    is_key_account: Mapped[bool] = mapped_column(default=False)
    relationship_class: Mapped[str] = mapped_column(String(20), default="new")
    # Attributes listed in privacy.sensitive_attributes are sealed inside the document.
    custom_attributes: Mapped[dict[str, Any]] = mapped_column(AttributesDocument, default=dict)
    # Sensitive fields, sealed at rest together in one column (inbox.crypto): never searched on, logged or sent
    # out in clear. Each is an attribute of its own below.
    sensitive_fields: Mapped[SensitiveFields | None] = mapped_column(
        SealedRecord("contacts.sensitive_fields", SensitiveFields)
    )
    id_document_number = SensitiveField[str]()
    date_of_birth = SensitiveField[date]()
    income = SensitiveField[Decimal]()
    health_notes = SensitiveField[str]()
    family_details = SensitiveField[str]()
    # Set when the customer's personal data was erased at their request; the row stays for the figures.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when this record was merged into another; merged records are kept for the audit trail. Indexed so that
    # deleting a record need not scan every customer to unlink those merged into it.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    last_inbound_channel: Mapped[str | None] = mapped_column(String(20))
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    identities: Mapped[list[ContactIdentity]] = relationship(back_populates="contact")


class ContactIdentity(Base):
    __tablename__ = "contact_identities"
    __table_args__ = (UniqueConstraint("kind", "value"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(320))
    verified: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contact: Mapped[Contact] = relationship(back_populates="identities")

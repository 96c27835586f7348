"""What has outlived its retention period, per kind of data, as queries the purge deletes from in batches."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.orm import aliased

from channels.base import IdentityKind
from inbox.models import (
    Attachment,
    Contact,
    ContactIdentity,
    Conversation,
    ConversationStatus,
    Event,
    Message,
    Quarantine,
    RawPayload,
)
from inbox.settings import PrivacySection


@dataclass(frozen=True)
class Cutoffs:
    """Everything older than these instants has expired."""

    raw_payloads: datetime
    attachments: datetime
    chat_visitors: datetime
    audit_log: datetime
    quarantine: datetime

    @classmethod
    def at(cls, now: datetime, privacy: PrivacySection) -> Cutoffs:
        return cls(
            raw_payloads=now - timedelta(days=privacy.raw_payloads_days),
            attachments=now - timedelta(days=privacy.resolved_attachments_days),
            chat_visitors=now - timedelta(days=privacy.chat_visitors_days),
            audit_log=now - timedelta(days=privacy.audit_log_days),
            quarantine=now - timedelta(days=privacy.quarantine_days),
        )


def expired_raw_payloads(cutoffs: Cutoffs) -> Select[str, bool]:
    """Digests, and whether the payload is a file (rather than kept in the row)."""
    return select(RawPayload.sha256, RawPayload.content.is_(None)).where(RawPayload.stored_at < cutoffs.raw_payloads)


def expired_attachments(cutoffs: Cutoffs) -> Select[int, str]:
    """Attachments of conversations resolved before the cutoff (and not reopened since)."""
    return (
        select(Attachment.id, Attachment.sha256)
        .join(Message, Message.id == Attachment.message_id)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            Conversation.status == ConversationStatus.RESOLVED.value,
            Conversation.resolved_at < cutoffs.attachments,
        )
    )


def expired_chat_visitors(cutoffs: Cutoffs) -> Select[int]:
    """Customers known only as chat visitors whose last activity is older than the cutoff.

    A visitor who ever gave an email address, phone or fax number is a customer to keep, as is one an agent wrote
    to recently or whose record others were merged into."""
    identities = ContactIdentity.contact_id == Contact.id
    webchat = ContactIdentity.kind == IdentityKind.WEBCHAT.value
    recent_conversation = and_(
        Conversation.contact_id == Contact.id, Conversation.last_message_at >= cutoffs.chat_visitors
    )
    merged = aliased(Contact)
    last_seen = func.coalesce(Contact.last_inbound_at, Contact.created_at)
    return select(Contact.id).where(
        exists().where(identities, webchat),
        ~exists().where(identities, ~webchat),
        ~exists().where(recent_conversation),
        ~exists().where(merged.merged_into_id == Contact.id),
        last_seen < cutoffs.chat_visitors,
    )


def expired_events(cutoffs: Cutoffs) -> Select[int]:
    return select(Event.id).where(Event.created_at < cutoffs.audit_log)


def expired_quarantine(cutoffs: Cutoffs) -> Select[int]:
    return select(Quarantine.id).where(Quarantine.created_at < cutoffs.quarantine)

"""Everything the customer panel shows beside a conversation, and the customer page: identities, value and tier,
lifetime figures, open complaints, satisfaction answers, other conversations (only those the viewer may read),
custom attributes, and the sensitive fields masked. Read-only; callers check that the viewer may see the customer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from inbox import queries
from inbox.access import ROLE_ADMIN, ROLE_SUPERVISOR, Viewer, conversation_scope
from inbox.crypto.masking import masked_profile, public_attributes
from inbox.models import Agent, Contact, ContactIdentity, Conversation, ConversationStatus, Direction, Message
from inbox.models.satisfaction import Survey, SurveyStatus

SENSITIVE_LABELS = {
    "id_document_number": "Identity document",
    "date_of_birth": "Date of birth",
    "income": "Income",
    "health_notes": "Health notes",
    "family_details": "Family details",
}
RECENT_SURVEYS = 10


@dataclass(frozen=True, slots=True)
class LifetimeFigures:
    realised_value: Decimal
    potential_value: Decimal
    model_value: Decimal
    cost_to_serve: Decimal
    conversations: int
    resolved: int
    inbound_messages: int
    first_contact_at: datetime | None


@dataclass(frozen=True, slots=True)
class SurveyAnswer:
    conversation_id: int
    score: int
    comment: str | None
    answered_at: datetime | None
    complaint: bool
    channel: str


@dataclass(frozen=True, slots=True)
class Satisfaction:
    answers: Sequence[SurveyAnswer]
    average: float | None
    asked: int


@dataclass(frozen=True, slots=True)
class SensitiveField:
    field: str
    label: str
    masked: str | None


@dataclass(frozen=True, slots=True)
class CustomerFile:
    contact: Contact
    identities: Sequence[ContactIdentity]
    owner_name: str | None
    figures: LifetimeFigures
    open_complaints: Sequence[Conversation]
    open_complaints_total: int
    satisfaction: Satisfaction
    conversations: Sequence[Conversation]
    attributes: dict[str, Any]
    sensitive: Sequence[SensitiveField]
    may_reveal: bool
    may_export: bool


async def _figures(session: AsyncSession, contact: Contact) -> LifetimeFigures:
    counts = (
        await session.execute(
            select(
                func.count(),
                func.count().filter(Conversation.status == ConversationStatus.RESOLVED.value),
                func.min(Conversation.created_at),
            ).where(Conversation.contact_id == contact.id)
        )
    ).one()
    inbound = await session.execute(
        select(func.count())
        .select_from(Message)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(Conversation.contact_id == contact.id, Message.direction == Direction.INBOUND.value)
    )
    return LifetimeFigures(
        realised_value=contact.realised_value or Decimal(0),
        potential_value=contact.potential_value or Decimal(0),
        model_value=contact.model_value or Decimal(0),
        cost_to_serve=contact.cost_to_serve or Decimal(0),
        conversations=int(counts[0]),
        resolved=int(counts[1]),
        inbound_messages=int(inbound.scalar_one()),
        first_contact_at=counts[2],
    )


async def _satisfaction(session: AsyncSession, contact_id: int) -> Satisfaction:
    answered = (
        (
            await session.execute(
                select(Survey)
                .where(
                    Survey.contact_id == contact_id, Survey.status == SurveyStatus.ANSWERED, Survey.score.is_not(None)
                )
                .order_by(Survey.answered_at.desc())
                .limit(RECENT_SURVEYS)
            )
        )
        .scalars()
        .all()
    )
    totals = (
        await session.execute(select(func.avg(Survey.score), func.count()).where(Survey.contact_id == contact_id))
    ).one()
    answers = [
        SurveyAnswer(s.conversation_id, int(s.score or 0), s.comment, s.answered_at, s.complaint, s.channel)
        for s in answered
    ]
    return Satisfaction(answers, float(totals[0]) if totals[0] is not None else None, int(totals[1]))


def _sensitive(contact: Contact, sensitive_attributes: Iterable[str]) -> list[SensitiveField]:
    masked = masked_profile(contact, sensitive_attributes)
    fields = []
    for name, value in masked.items():
        label = SENSITIVE_LABELS.get(name) or name.removeprefix("custom_attributes.").replace("_", " ").capitalize()
        fields.append(SensitiveField(name, label, value))
    return fields


async def customer_file(
    session: AsyncSession, viewer: Viewer, contact: Contact, sensitive_attributes: Iterable[str]
) -> CustomerFile:
    sensitive_names = list(sensitive_attributes)
    identities = await queries.identities_of(session, contact.id)
    owner = await session.get(Agent, contact.owner_agent_id) if contact.owner_agent_id else None
    visible = (
        (
            await session.execute(
                select(Conversation)
                .where(Conversation.contact_id == contact.id, conversation_scope(viewer))
                .order_by(Conversation.last_message_at.desc())
            )
        )
        .scalars()
        .all()
    )
    complaints_total = await session.execute(
        select(func.count()).where(
            Conversation.contact_id == contact.id,
            Conversation.is_complaint.is_(True),
            Conversation.status != ConversationStatus.RESOLVED.value,
        )
    )
    open_complaints = [c for c in visible if c.is_complaint and c.status != ConversationStatus.RESOLVED.value]
    return CustomerFile(
        contact=contact,
        identities=identities,
        owner_name=owner.name if owner else None,
        figures=await _figures(session, contact),
        open_complaints=open_complaints,
        open_complaints_total=int(complaints_total.scalar_one()),
        satisfaction=await _satisfaction(session, contact.id),
        conversations=visible,
        attributes=public_attributes(contact.custom_attributes, sensitive_names),
        sensitive=_sensitive(contact, sensitive_names),
        may_reveal=viewer.role in (ROLE_SUPERVISOR, ROLE_ADMIN),
        may_export=viewer.role == ROLE_ADMIN,
    )


MERGE_CANDIDATES = 20


def _visible_contacts(viewer: Viewer) -> Any:
    """A WHERE clause over contacts: those the viewer may see (see ``inbox.access.visible_contact``)."""
    if viewer.sees_everything:
        return Contact.id.is_not(None)
    reachable = select(Conversation.id).where(Conversation.contact_id == Contact.id, conversation_scope(viewer))
    return or_(Contact.owner_agent_id == viewer.agent_id, reachable.exists())


async def merge_candidates(session: AsyncSession, viewer: Viewer, contact_id: int, query: str) -> Sequence[Contact]:
    """Live customer records other than ``contact_id`` whose name or any identity contains ``query``, among
    those the viewer may see. Matching ignores case."""
    needle = query.strip().casefold()
    if len(needle) < 2 or not viewer.reads_conversations:
        return []
    pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    by_identity = select(ContactIdentity.id).where(
        ContactIdentity.contact_id == Contact.id, func.lower(ContactIdentity.value).like(pattern, escape="\\")
    )
    found = await session.execute(
        select(Contact)
        .where(
            Contact.id != contact_id,
            Contact.merged_into_id.is_(None),
            Contact.erased_at.is_(None),
            or_(func.lower(Contact.name).like(pattern, escape="\\"), by_identity.exists()),
            _visible_contacts(viewer),
        )
        .order_by(Contact.name, Contact.id)
        .limit(MERGE_CANDIDATES)
    )
    return found.scalars().all()

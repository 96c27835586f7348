"""Merging two customer records found to be one person: every identity and conversation kept, and audited."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import update

from inbox import audit
from inbox.crypto.masking import SENSITIVE_FIELDS
from inbox.models import Contact, ContactIdentity, Conversation
from inbox.store import Store


class MergeRefused(Exception):
    pass


async def do_merge_contacts(store: Store, *, survivor_id: int, merged_id: int, actor_agent_id: int | None) -> None:
    if survivor_id == merged_id:
        raise MergeRefused("a customer cannot be merged into itself")
    async with store.write() as session:
        survivor = await session.get(Contact, survivor_id)
        merged = await session.get(Contact, merged_id)
        if survivor is None or merged is None:
            raise MergeRefused("both customers must exist")
        if merged.merged_into_id is not None or survivor.merged_into_id is not None:
            raise MergeRefused("one of these customers was already merged into another record")
        moved_identities = await session.execute(
            update(ContactIdentity).where(ContactIdentity.contact_id == merged.id).values(contact_id=survivor.id)
        )
        moved_conversations = await session.execute(
            update(Conversation).where(Conversation.contact_id == merged.id).values(contact_id=survivor.id)
        )
        survivor.realised_value = (survivor.realised_value or Decimal(0)) + (merged.realised_value or Decimal(0))
        survivor.cost_to_serve = (survivor.cost_to_serve or Decimal(0)) + (merged.cost_to_serve or Decimal(0))
        survivor.potential_value = max(survivor.potential_value, merged.potential_value)
        survivor.model_value = max(survivor.model_value, merged.model_value)
        survivor.name = survivor.name or merged.name
        survivor.language = survivor.language or merged.language
        survivor.timezone = survivor.timezone or merged.timezone
        survivor.preferred_channel = survivor.preferred_channel or merged.preferred_channel
        survivor.owner_agent_id = survivor.owner_agent_id or merged.owner_agent_id
        # An opt-out on either record stands: consent is never widened by a merge.
        consent = dict(merged.consent or {})
        for channel, given in (survivor.consent or {}).items():
            consent[channel] = given and consent.get(channel, True)
        survivor.consent = consent
        for field in SENSITIVE_FIELDS:
            if getattr(survivor, field) is None:
                setattr(survivor, field, getattr(merged, field))
        survivor.custom_attributes = {
            **(merged.custom_attributes or {}),
            **(survivor.custom_attributes or {}),
        }
        merged.merged_into_id = survivor.id
        audit.record(
            session,
            "contact.merged",
            actor_agent_id=actor_agent_id,
            contact_id=survivor.id,
            merged_contact_id=merged.id,
            identities_moved=moved_identities.rowcount,  # type: ignore[attr-defined]
            conversations_moved=moved_conversations.rowcount,  # type: ignore[attr-defined]
        )

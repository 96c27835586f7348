"""Listing a campaign's recipients: the segment's members, copied set-based into recipient rows in batches.

Each batch is one INSERT … SELECT over a range of customer ids, so 100,000 recipients cost a few dozen
statements. The (campaign, contact) key makes a repeated batch (a start job that ran twice) insert nothing new.
Consent is not filtered here: it is checked when each message goes out, so a later opt-out still counts.
"""

from __future__ import annotations

from sqlalchemy import func, literal, select, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from inbox.models import Campaign, CampaignRecipient, Contact, ContactIdentity, RecipientStatus, Segment, utcnow
from inbox.segment_queries import ADDRESS_KIND
from inbox.segments import segment_clause
from inbox.store import Store


async def do_materialize_batch(store: Store, campaign_id: int, generation: int, after_contact_id: int) -> int | None:
    """List the next batch of members after ``after_contact_id``; returns the last contact id looked at, or None
    when the segment is exhausted (or the campaign moved on to another generation)."""
    now = utcnow()
    batch = store.settings.campaigns.batch_size * 10
    async with store.write() as session:
        campaign = await session.get(Campaign, campaign_id)
        if campaign is None or campaign.generation != generation or campaign.segment_id is None:
            return None
        segment = await session.get(Segment, campaign.segment_id)
        if segment is None:
            return None
        clause = segment_clause(
            segment.rules, dialect=store.dialect, now=now, sensitive=store.settings.privacy.sensitive_attributes
        )
        if after_contact_id == 0 and store.dialect == "postgresql":
            # Customers are often imported just before a campaign; without fresh statistics the planner takes
            # the new tables for empty and picks nested loops that cost seconds per batch.
            await session.execute(text("ANALYZE contacts, contact_identities"))
        window = (
            select(Contact.id).where(clause, Contact.id > after_contact_id).order_by(Contact.id).limit(batch).subquery()
        )
        upper = (await session.execute(select(func.max(window.c.id)))).scalar_one_or_none()
        if upper is None:
            return None
        # Each member's first address of the channel's kind, found by a grouped join over the id range: set-based,
        # so the plan stays a hash join however fresh (unanalysed) the tables are.
        kind = ADDRESS_KIND[campaign.channel]
        first = (
            select(ContactIdentity.contact_id, func.min(ContactIdentity.id).label("first_id"))
            .where(
                ContactIdentity.kind == kind,
                ContactIdentity.contact_id > after_contact_id,
                ContactIdentity.contact_id <= upper,
            )
            .group_by(ContactIdentity.contact_id)
            .subquery()
        )
        members = (
            select(
                literal(campaign_id),
                Contact.id,
                ContactIdentity.value,
                literal(RecipientStatus.QUEUED.value),
                literal(0),
                literal(now, type_=CampaignRecipient.__table__.c.queued_at.type),
            )
            .join(first, first.c.contact_id == Contact.id)
            .join(ContactIdentity, ContactIdentity.id == first.c.first_id)
            .where(clause, Contact.id > after_contact_id, Contact.id <= upper)
        )
        insert = postgresql_insert if store.dialect == "postgresql" else sqlite_insert
        statement = (
            insert(CampaignRecipient)
            .from_select(["campaign_id", "contact_id", "address", "status", "attempts", "queued_at"], members)
            .on_conflict_do_nothing(index_elements=["campaign_id", "contact_id"])
        )
        await session.execute(statement)
        return int(upper)

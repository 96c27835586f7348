"""Listing a campaign's recipients: the segment's members, copied set-based into recipient rows in batches.

Each batch is one INSERT … SELECT over a range of customer ids, so 100,000 recipients cost a few dozen
statements. The (campaign, contact) key makes a repeated batch (a start job that ran twice) insert nothing new.
Consent is not filtered here: it is checked when each message goes out, so a later opt-out still counts.
"""

from __future__ import annotations

from sqlalchemy import func, literal, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from inbox.models import Campaign, CampaignRecipient, Contact, RecipientStatus, Segment, utcnow
from inbox.segment_queries import address_of
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
        window = (
            select(Contact.id.label("contact_id"), address_of(campaign.channel).label("address"))
            .where(clause, Contact.id > after_contact_id)
            .order_by(Contact.id)
            .limit(batch)
            .subquery()
        )
        upper = (await session.execute(select(func.max(window.c.contact_id)))).scalar_one_or_none()
        if upper is None:
            return None
        members = select(
            literal(campaign_id),
            window.c.contact_id,
            window.c.address,
            literal(RecipientStatus.QUEUED.value),
            literal(0),
            literal(now, type_=CampaignRecipient.__table__.c.queued_at.type),
        ).where(window.c.address.is_not(None))
        insert = postgresql_insert if store.dialect == "postgresql" else sqlite_insert
        statement = (
            insert(CampaignRecipient)
            .from_select(["campaign_id", "contact_id", "address", "status", "attempts", "queued_at"], members)
            .on_conflict_do_nothing(index_elements=["campaign_id", "contact_id"])
        )
        await session.execute(statement)
        return int(upper)

"""Carrying what happened after sending over to campaign recipients, set-based, per campaign.

The delivery path (SMS status callbacks, bounces, SMTP failures) and ingest update the message and its
conversation as for any other message; this reads those back: a delivered message makes its recipient
delivered, a failed one failed (bounced for email), and an inbound message in the campaign message's own
conversation makes it replied, or opted out when the customer's answer withdrew consent (SMS STOP).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import exists, func, or_, select, update

from inbox.models import Campaign, CampaignRecipient, CampaignStatus, Contact, Message, RecipientStatus, utcnow
from inbox.segments import consent_clause
from inbox.store import Store

# Campaigns finished longer ago than this are left alone: late bounces and replies have stopped by then.
FOLLOW_DAYS = 30
_OUT = (RecipientStatus.SENT.value, RecipientStatus.DELIVERED.value)


async def do_sync_recipient_statuses(store: Store, campaign_id: int | None = None) -> int:
    """Returns how many recipient rows changed."""
    now = utcnow()
    R = CampaignRecipient
    async with store.write() as session:
        query = select(Campaign.id, Campaign.channel).where(
            Campaign.status != CampaignStatus.DRAFT.value,
            or_(Campaign.finished_at.is_(None), Campaign.finished_at >= now - timedelta(days=FOLLOW_DAYS)),
        )
        if campaign_id is not None:
            query = query.where(Campaign.id == campaign_id)
        campaigns = (await session.execute(query)).all()
        changed = 0
        for cid, channel in campaigns:
            message_in = select(Message.id).where(Message.id == R.message_id)
            statements = [
                update(R)
                .where(
                    R.campaign_id == cid,
                    R.status == RecipientStatus.SENT.value,
                    exists(message_in.where(Message.delivery_status == "delivered")),
                )
                .values(status=RecipientStatus.DELIVERED.value, delivered_at=now),
                update(R)
                .where(
                    R.campaign_id == cid,
                    R.status.in_(_OUT),
                    exists(message_in.where(Message.delivery_status == "failed")),
                )
                .values(
                    status=RecipientStatus.BOUNCED.value if channel == "email" else RecipientStatus.FAILED.value,
                    reason=select(Message.failure_reason).where(Message.id == R.message_id).scalar_subquery(),
                ),
                update(R)
                .where(
                    R.campaign_id == cid,
                    R.status.in_(_OUT),
                    R.conversation_id.is_not(None),
                    exists(
                        select(Message.id).where(
                            Message.conversation_id == R.conversation_id, Message.direction == "inbound"
                        )
                    ),
                )
                .values(
                    status=RecipientStatus.REPLIED.value,
                    replied_at=select(func.min(Message.created_at))
                    .where(Message.conversation_id == R.conversation_id, Message.direction == "inbound")
                    .scalar_subquery(),
                ),
                update(R)
                .where(
                    R.campaign_id == cid,
                    R.status == RecipientStatus.REPLIED.value,
                    exists(select(Contact.id).where(Contact.id == R.contact_id, consent_clause(channel, "opted_out"))),
                )
                .values(status=RecipientStatus.OPTED_OUT.value, opted_out_at=now),
            ]
            for statement in statements:
                result = await session.execute(statement.execution_options(synchronize_session=False))
                changed += int(getattr(result, "rowcount", 0) or 0)
        return changed

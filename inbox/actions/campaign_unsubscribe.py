"""A customer's unsubscribe from a campaign link: consent to the channel is withdrawn at once.

It takes effect for the very next message: every campaign checks consent when it claims a recipient. A merged
record passes the opt-out on to the record it was merged into, so an opt-out is never lost to a merge.
"""

from __future__ import annotations

from dataclasses import dataclass

from inbox import audit
from inbox.models import Campaign, CampaignRecipient, Contact, RecipientStatus, utcnow
from inbox.store import Store


@dataclass(frozen=True, slots=True)
class Unsubscribed:
    channel: str
    language: str
    already: bool


async def do_unsubscribe(store: Store, recipient_id: int, *, source: str = "link") -> Unsubscribed | None:
    """None when the link names no recipient (the row was erased with the customer)."""
    now = utcnow()
    async with store.write() as session:
        recipient = await session.get(CampaignRecipient, recipient_id)
        if recipient is None:
            return None
        campaign = await session.get(Campaign, recipient.campaign_id)
        channel = campaign.channel if campaign is not None else "email"
        contact = await session.get(Contact, recipient.contact_id)
        if contact is None:
            return None
        already = (contact.consent or {}).get(channel) is False
        seen: set[int] = set()
        current: Contact | None = contact
        while current is not None and current.id not in seen:
            seen.add(current.id)
            current.consent = {**(current.consent or {}), channel: False}
            current = await session.get(Contact, current.merged_into_id) if current.merged_into_id else None
        if recipient.status != RecipientStatus.OPTED_OUT.value:
            if recipient.status == RecipientStatus.QUEUED.value:
                recipient.reason = f"unsubscribed from {channel}"
            recipient.status = RecipientStatus.OPTED_OUT.value
            recipient.opted_out_at = now
        if not already:
            audit.record(
                session,
                "consent.changed",
                contact_id=contact.id,
                channel=channel,
                consent=False,
                source=f"campaign unsubscribe ({source})",
                campaign_id=recipient.campaign_id,
            )
        return Unsubscribed(channel=channel, language=contact.language or "en", already=already)

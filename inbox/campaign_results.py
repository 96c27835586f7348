"""A campaign's figures: progress, outcomes, reply rate, and ROI from imported payments and costs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from inbox.models import Campaign, CampaignRecipient, CustomerPayment, RecipientStatus

_FAILED = (RecipientStatus.FAILED.value, RecipientStatus.BOUNCED.value)


@dataclass(frozen=True, slots=True)
class CampaignResults:
    campaign_id: int
    status: str
    recipients: int
    queued: int
    deferred: int
    in_flight: int
    sent: int
    delivered: int
    failed: int
    bounced: int
    suppressed: int
    opted_out: int
    replied: int
    cancelled: int
    revenue: Decimal
    cost: Decimal
    paying_customers: int

    @property
    def done(self) -> int:
        """Recipients whose fate is settled: the progress bar's numerator."""
        return self.recipients - self.queued - self.in_flight

    @property
    def reply_rate(self) -> float:
        return self.replied / self.sent if self.sent else 0.0

    @property
    def roi(self) -> float | None:
        """(revenue − cost) / cost; None while no cost is recorded."""
        if self.cost <= 0:
            return None
        return float((self.revenue - self.cost) / self.cost)


async def campaign_results(session: AsyncSession, campaign: Campaign, attribution_days: int) -> CampaignResults:
    R = CampaignRecipient
    counts = dict(
        (
            await session.execute(select(R.status, func.count()).where(R.campaign_id == campaign.id).group_by(R.status))
        ).all()
    )
    figures = (
        await session.execute(
            select(
                func.count(R.sent_at),
                func.count(R.delivered_at),
                func.count(R.replied_at),
                func.count(R.opted_out_at),
            ).where(R.campaign_id == campaign.id)
        )
    ).one()
    deferred = (
        await session.execute(
            select(func.count()).where(
                R.campaign_id == campaign.id, R.status == RecipientStatus.QUEUED.value, R.not_before.is_not(None)
            )
        )
    ).scalar_one()
    sent, delivered, replied, opted_out = (int(value) for value in figures)
    revenue, payers = await _revenue(session, campaign.id, attribution_days)
    cost = campaign.cost_fixed + campaign.cost_per_message * sent
    total = sum(int(value) for value in counts.values())
    return CampaignResults(
        campaign_id=campaign.id,
        status=campaign.status,
        recipients=total,
        queued=int(counts.get(RecipientStatus.QUEUED.value, 0)),
        deferred=int(deferred),
        in_flight=int(counts.get(RecipientStatus.SENDING.value, 0)),
        sent=sent,
        delivered=max(delivered, int(counts.get(RecipientStatus.DELIVERED.value, 0))),
        failed=int(counts.get(RecipientStatus.FAILED.value, 0)),
        bounced=int(counts.get(RecipientStatus.BOUNCED.value, 0)),
        suppressed=int(counts.get(RecipientStatus.SUPPRESSED.value, 0)),
        opted_out=max(opted_out, int(counts.get(RecipientStatus.OPTED_OUT.value, 0))),
        replied=replied,
        cancelled=int(counts.get(RecipientStatus.CANCELLED.value, 0)),
        revenue=revenue,
        cost=cost,
        paying_customers=payers,
    )


async def _revenue(session: AsyncSession, campaign_id: int, attribution_days: int) -> tuple[Decimal, int]:
    """Payments by recipients from their message's sending until ``attribution_days`` later."""
    R, P = CampaignRecipient, CustomerPayment
    window = timedelta(days=attribution_days)
    first, last = (
        await session.execute(select(func.min(R.sent_at), func.max(R.sent_at)).where(R.campaign_id == campaign_id))
    ).one()
    if first is None or last is None:
        return Decimal(0), 0
    rows = await session.execute(
        select(R.contact_id, R.sent_at, P.paid_at, P.amount)
        .join(P, P.contact_id == R.contact_id)
        .where(
            R.campaign_id == campaign_id,
            R.sent_at.is_not(None),
            P.paid_at >= first,
            P.paid_at < last + window,
        )
    )
    # The exact per-recipient window is applied here: date arithmetic differs between the backends.
    total = Decimal(0)
    payers: set[int] = set()
    for contact_id, sent_at, paid_at, amount in rows.all():
        if sent_at is not None and sent_at <= paid_at < sent_at + window:
            total += Decimal(amount)
            payers.add(int(contact_id))
    return total, len(payers)

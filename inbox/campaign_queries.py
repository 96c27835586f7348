"""Read queries over campaigns: the list, one campaign, and the state a sending job checks first."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from inbox.models import Campaign, Segment
from inbox.store import Store


@dataclass(frozen=True, slots=True)
class SendingState:
    status: str
    generation: int
    channel: str
    throttle_per_second: float | None
    sender: str | None


async def sending_state(store: Store, campaign_id: int) -> SendingState | None:
    async with store.read() as session:
        row = (
            await session.execute(
                select(
                    Campaign.status,
                    Campaign.generation,
                    Campaign.channel,
                    Campaign.throttle_per_second,
                    Campaign.sender,
                ).where(Campaign.id == campaign_id)
            )
        ).one_or_none()
    if row is None:
        return None
    return SendingState(row.status, int(row.generation), row.channel, row.throttle_per_second, row.sender)


async def sms_campaigns_sharing(store: Store, sender: str | None) -> int:
    """How many SMS campaigns are sending from this number now: they share the number's rate."""
    async with store.read() as session:
        count = await session.execute(
            select(func.count()).where(
                Campaign.channel == "sms",
                Campaign.status == "sending",
                func.coalesce(Campaign.sender, "") == (sender or ""),
            )
        )
        return max(1, int(count.scalar_one()))


async def list_campaigns(session: AsyncSession) -> list[tuple[Campaign, str | None]]:
    rows = await session.execute(
        select(Campaign, Segment.name)
        .outerjoin(Segment, Segment.id == Campaign.segment_id)
        .order_by(Campaign.id.desc())
    )
    return [(campaign, name) for campaign, name in rows.all()]


async def get_campaign(session: AsyncSession, campaign_id: int) -> Campaign | None:
    return await session.get(Campaign, campaign_id)

"""After a batch: queue the lane's next batch now or when the next recipient falls due, or finish the campaign."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from inbox import audit, outbox
from inbox.actions.campaign_control import SEND_JOB
from inbox.models import Campaign, CampaignRecipient, CampaignStatus, RecipientStatus, utcnow
from inbox.store import Store


async def do_continue_or_finish(
    store: Store,
    campaign_id: int,
    generation: int,
    lane: int,
    seq: int,
    *,
    now: datetime,
    progressed: bool,
    next_slot: float | None,
) -> str:
    """Returns what happened: "next" (queued at once), "later" (queued for the next due time), "done", or
    "stopped" (paused, cancelled or restarted meanwhile)."""
    async with store.write() as session:
        campaign = await session.get(Campaign, campaign_id)
        if campaign is None or campaign.generation != generation or campaign.status != CampaignStatus.SENDING.value:
            return "stopped"
        payload: dict[str, float | int] = {
            "campaign_id": campaign_id,
            "generation": generation,
            "lane": lane,
            "seq": seq,
        }
        if next_slot is not None:
            payload["next_slot"] = next_slot
        key = f"{SEND_JOB}:{campaign_id}:{generation}:{lane}:{seq}"
        if progressed:
            await outbox.enqueue(session, SEND_JOB, key, payload)
            return "next"
        # Nothing was due: wake when a deferred recipient (quiet hours, back-off) or an abandoned claim falls due.
        waiting = await session.execute(
            select(
                func.min(CampaignRecipient.not_before),
                func.count(),
            ).where(
                CampaignRecipient.campaign_id == campaign_id,
                CampaignRecipient.status == RecipientStatus.QUEUED.value,
            )
        )
        queued_due, queued = waiting.one()
        claimed = await session.execute(
            select(func.min(CampaignRecipient.claimed_until), func.count()).where(
                CampaignRecipient.campaign_id == campaign_id,
                CampaignRecipient.status == RecipientStatus.SENDING.value,
            )
        )
        claim_due, in_flight = claimed.one()
        if not queued and not in_flight:
            campaign.status = CampaignStatus.DONE.value
            campaign.finished_at = utcnow()
            audit.record(session, "campaign.done", campaign_id=campaign_id)
            return "done"
        candidates = [moment for moment in (queued_due, claim_due) if moment is not None]
        run_after = max(now, min(candidates)) if candidates else now
        if queued and queued_due is None:
            run_after = now
        await outbox.enqueue(session, SEND_JOB, key, payload, run_after=run_after)
        return "later"

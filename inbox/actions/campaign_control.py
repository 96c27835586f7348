"""Starting, scheduling, pausing, resuming and cancelling a campaign.

Every start and resume bumps the campaign's generation and queues sending jobs keyed by it: a job of an older
generation finds itself outdated and stops, so pausing and resuming quickly never runs two chains at once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from inbox import audit, outbox
from inbox.actions.campaign_edit import CampaignRefused
from inbox.campaign_audience import preview_for
from inbox.campaign_links import link_secret
from inbox.models import Campaign, CampaignRecipient, CampaignStatus, RecipientStatus, Segment, utcnow
from inbox.store import Store

START_JOB = "campaign_start"
SEND_JOB = "campaign_send"


def lanes_for(store: Store, channel: str) -> int:
    # SMS is paced per sending number, which one chain does exactly; email may fan out.
    return store.settings.campaigns.email_lanes if channel == "email" else 1


async def queue_lanes(store: Store, session: AsyncSession, campaign: Campaign) -> None:
    for lane in range(lanes_for(store, campaign.channel)):
        await outbox.enqueue(
            session,
            SEND_JOB,
            f"{SEND_JOB}:{campaign.id}:{campaign.generation}:{lane}:0",
            {"campaign_id": campaign.id, "generation": campaign.generation, "lane": lane, "seq": 0},
        )


async def do_start_campaign(
    store: Store, campaign_id: int, *, at: datetime | None = None, actor_agent_id: int | None = None
) -> str:
    """Check the content against a sample of the segment, then send now or at ``at``. Raises
    ``CampaignTemplateError`` (nothing is queued) when a template fails for any sampled customer."""
    now = utcnow()
    settings = store.settings
    async with store.write() as session:
        campaign = await session.get(Campaign, campaign_id)
        if campaign is None:
            raise CampaignRefused(f"no campaign {campaign_id}")
        if campaign.status not in (CampaignStatus.DRAFT.value, CampaignStatus.SCHEDULED.value):
            raise CampaignRefused(f"a {campaign.status} campaign cannot be started; resume it instead")
        segment = await session.get(Segment, campaign.segment_id) if campaign.segment_id is not None else None
        if segment is None:
            raise CampaignRefused("choose a segment before sending")
        if campaign.channel == "email":
            link_secret(settings)
        previews = await preview_for(
            session,
            settings,
            campaign,
            segment.rules,
            dialect=store.dialect,
            now=now,
            sample=settings.campaigns.check_sample,
        )
        if not previews:
            raise CampaignRefused(f"nobody in the segment can be reached by {campaign.channel}")
        campaign.generation += 1
        campaign.scheduled_at = at if at is not None and at > now else None
        campaign.status = (
            CampaignStatus.SCHEDULED.value if campaign.scheduled_at is not None else CampaignStatus.SENDING.value
        )
        await outbox.enqueue(
            session,
            START_JOB,
            f"{START_JOB}:{campaign.id}:{campaign.generation}",
            {"campaign_id": campaign.id, "generation": campaign.generation},
            run_after=campaign.scheduled_at,
        )
        audit.record(
            session,
            "campaign.started" if campaign.scheduled_at is None else "campaign.scheduled",
            actor_agent_id=actor_agent_id,
            campaign_id=campaign.id,
            at=campaign.scheduled_at.isoformat() if campaign.scheduled_at else None,
        )
        return campaign.status


async def do_begin_sending(store: Store, campaign_id: int, generation: int) -> bool:
    """The start job's first step: a scheduled campaign becomes a sending one. False when it was paused,
    cancelled or restarted meanwhile."""
    async with store.write() as session:
        campaign = await session.get(Campaign, campaign_id)
        if campaign is None or campaign.generation != generation:
            return False
        if campaign.status == CampaignStatus.SCHEDULED.value:
            campaign.status = CampaignStatus.SENDING.value
        if campaign.status != CampaignStatus.SENDING.value:
            return False
        campaign.started_at = campaign.started_at or utcnow()
        return True


async def do_mark_materialized(store: Store, campaign_id: int, generation: int) -> bool:
    """All recipients are listed: queue the sending lanes (once, whatever the number of start-job runs)."""
    async with store.write() as session:
        campaign = await session.get(Campaign, campaign_id)
        if campaign is None or campaign.generation != generation:
            return False
        campaign.materialized = True
        if store.dialect == "postgresql":
            # Thousands of rows just arrived: let the planner know before the sending jobs query them.
            await session.execute(text("ANALYZE campaign_recipients"))
        if campaign.status == CampaignStatus.SENDING.value:
            await queue_lanes(store, session, campaign)
        return True


async def do_pause_campaign(store: Store, campaign_id: int, *, actor_agent_id: int | None = None) -> None:
    async with store.write() as session:
        campaign = await session.get(Campaign, campaign_id)
        if campaign is None:
            raise CampaignRefused(f"no campaign {campaign_id}")
        if campaign.status not in (CampaignStatus.SENDING.value, CampaignStatus.SCHEDULED.value):
            raise CampaignRefused(f"a {campaign.status} campaign cannot be paused")
        campaign.status = CampaignStatus.PAUSED.value
        audit.record(session, "campaign.paused", actor_agent_id=actor_agent_id, campaign_id=campaign_id)


async def do_resume_campaign(store: Store, campaign_id: int, *, actor_agent_id: int | None = None) -> None:
    async with store.write() as session:
        campaign = await session.get(Campaign, campaign_id)
        if campaign is None:
            raise CampaignRefused(f"no campaign {campaign_id}")
        if campaign.status != CampaignStatus.PAUSED.value:
            raise CampaignRefused(f"a {campaign.status} campaign cannot be resumed")
        campaign.generation += 1
        campaign.status = CampaignStatus.SENDING.value
        if campaign.materialized:
            await queue_lanes(store, session, campaign)
        else:
            await outbox.enqueue(
                session,
                START_JOB,
                f"{START_JOB}:{campaign.id}:{campaign.generation}",
                {"campaign_id": campaign.id, "generation": campaign.generation},
            )
        audit.record(session, "campaign.resumed", actor_agent_id=actor_agent_id, campaign_id=campaign_id)


async def do_cancel_campaign(store: Store, campaign_id: int, *, actor_agent_id: int | None = None) -> int:
    """Stop for good; recipients not yet sent to are marked cancelled. Returns how many."""
    async with store.write() as session:
        campaign = await session.get(Campaign, campaign_id)
        if campaign is None:
            raise CampaignRefused(f"no campaign {campaign_id}")
        if campaign.status in (CampaignStatus.DONE.value, CampaignStatus.CANCELLED.value):
            raise CampaignRefused(f"a {campaign.status} campaign cannot be cancelled")
        campaign.status = CampaignStatus.CANCELLED.value
        campaign.finished_at = utcnow()
        campaign.generation += 1
        result = await session.execute(
            update(CampaignRecipient)
            .where(
                CampaignRecipient.campaign_id == campaign_id,
                CampaignRecipient.status == RecipientStatus.QUEUED.value,
            )
            .values(status=RecipientStatus.CANCELLED.value, reason="the campaign was cancelled")
            .execution_options(synchronize_session=False)
        )
        count = int(getattr(result, "rowcount", 0) or 0)
        audit.record(session, "campaign.cancelled", actor_agent_id=actor_agent_id, campaign_id=campaign_id)
        return count


async def do_finish_if_complete(store: Store, campaign_id: int) -> bool:
    """Mark the campaign done when no recipient is left queued or in flight."""
    async with store.write() as session:
        campaign = await session.get(Campaign, campaign_id)
        if campaign is None or campaign.status != CampaignStatus.SENDING.value or not campaign.materialized:
            return False
        left = await session.execute(
            select(CampaignRecipient.id)
            .where(
                CampaignRecipient.campaign_id == campaign_id,
                CampaignRecipient.status.in_([RecipientStatus.QUEUED.value, RecipientStatus.SENDING.value]),
            )
            .limit(1)
        )
        if left.scalar_one_or_none() is not None:
            return False
        campaign.status = CampaignStatus.DONE.value
        campaign.finished_at = utcnow()
        audit.record(session, "campaign.done", campaign_id=campaign_id)
        return True

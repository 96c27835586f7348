"""Sending a campaign's test message to the marketer."""

from __future__ import annotations

from typing import Any

from channels.base import ChannelName, Identity, IdentityKind, OutboundMessage
from inbox.actions.campaign_test_send import do_claim_test_send
from inbox.campaign_audience import preview_for
from inbox.models import Campaign, Segment, utcnow
from workers.context import JobContext


async def run(ctx: JobContext, payload: dict[str, Any]) -> None:
    campaign_id, agent_id, address = int(payload["campaign_id"]), int(payload["agent_id"]), str(payload["to"])
    async with ctx.store.read() as session:
        campaign = await session.get(Campaign, campaign_id)
        segment = await session.get(Segment, campaign.segment_id) if campaign and campaign.segment_id else None
        if campaign is None or segment is None:
            return
        previews = await preview_for(
            session, ctx.settings, campaign, segment.rules, dialect=ctx.store.dialect, now=utcnow()
        )
    if not previews:
        return
    key = str(payload["key"])
    if not await do_claim_test_send(ctx.store, key, campaign_id, agent_id, address):
        return
    content = previews[0].content
    adapter = ctx.channels.get(campaign.channel)
    if campaign.channel == "sms":
        outbound = OutboundMessage(
            channel=ChannelName.SMS, message_id=0, to=Identity(IdentityKind.PHONE, address), text=content.text
        )
    else:
        outbound = OutboundMessage(
            channel=ChannelName.EMAIL,
            message_id=0,
            to=Identity(IdentityKind.EMAIL, address),
            subject=f"[Test] {content.subject}",
            text=content.text or "(HTML only)",
            html=content.html or None,
            metadata={"template": "campaign", "unsubscribe_url": "https://example.invalid/unsubscribe"},
        )
    await adapter.send(outbound)

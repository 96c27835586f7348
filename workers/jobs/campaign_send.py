"""One batch of a campaign: claim due recipients, send them at the campaign's pace, record, queue the next batch.

Batches of one lane form a chain (``campaign_send:{campaign}:{generation}:{lane}:{seq}``); a job that runs twice
queues the same next key, so a chain never forks. The pace is kept across batches: each job hands the next the
moment its first message may leave, so the rate over a whole campaign is the configured one, not a little less
per batch boundary.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from channels.base import ChannelName, Identity, IdentityKind, OutboundMessage
from channels.html import html_to_text
from channels.registry import UnknownChannel
from inbox.actions.campaign_claim import Claim, ClaimedSend, do_claim_recipients
from inbox.actions.campaign_control import do_pause_campaign
from inbox.actions.campaign_flow import do_continue_or_finish
from inbox.campaign_links import link_secret, unsubscribe_url
from inbox.campaign_queries import SendingState, sending_state, sms_campaigns_sharing
from workers.context import JobContext
from workers.email_setup import message_id_domain
from workers.jobs.campaign_pacing import Pacer, campaign_clock, send_paced


async def _rate_per_lane(ctx: JobContext, state: SendingState, lanes: int) -> float:
    section = ctx.settings.campaigns
    if state.channel == "email":
        rate = state.throttle_per_second if state.throttle_per_second is not None else section.email_per_second
        return rate / lanes if rate > 0 else 0.0
    # The SMS limit belongs to the sending number: campaigns sending from the same number split it.
    number_rate = section.sms_per_second
    own = state.throttle_per_second if state.throttle_per_second is not None else number_rate
    if number_rate <= 0:
        return own if own > 0 else 0.0
    shared = number_rate / await sms_campaigns_sharing(ctx.store, state.sender)
    return min(own, shared) if own > 0 else shared


def _batch_limit(ctx: JobContext, rate: float, lane: int, lanes: int, seq: int) -> int:
    limit = ctx.settings.campaigns.batch_size
    if rate > 0:
        # A paced batch must finish well inside its lease, or another process would take its recipients over.
        limit = min(limit, max(1, int(rate * ctx.settings.jobs.lease_seconds / 3)))
    if seq == 0 and lanes > 1:
        # Lanes sharing the connections finish equal batches together and would all stop to claim at once,
        # leaving the connections idle; first batches of staggered sizes keep their claims apart for good.
        limit = max(1, limit * (lane + 1) // lanes)
    return limit


async def run(ctx: JobContext, payload: dict[str, Any]) -> None:
    campaign_id, generation = int(payload["campaign_id"]), int(payload["generation"])
    lane, seq = int(payload["lane"]), int(payload["seq"])
    state = await sending_state(ctx.store, campaign_id)
    if state is None or state.generation != generation or state.status != "sending":
        return
    try:
        adapter = ctx.channels.get(state.channel)
    except UnknownChannel as error:
        await do_pause_campaign(ctx.store, campaign_id)
        raise RuntimeError(f"the {state.channel} channel is not configured here; the campaign was paused") from error
    lanes = ctx.settings.campaigns.email_lanes if state.channel == "email" else 1
    rate = await _rate_per_lane(ctx, state, lanes)
    clock = campaign_clock(ctx)
    secret = link_secret(ctx.settings) if state.channel == "email" else ""
    public_url = ctx.settings.hub.public_url

    def link(recipient_id: int) -> str:
        return unsubscribe_url(public_url, secret, recipient_id) if secret else ""

    claim = await do_claim_recipients(
        ctx.store,
        campaign_id,
        generation,
        limit=_batch_limit(ctx, rate, lane, lanes, seq),
        now=clock(),
        claim_seconds=ctx.settings.jobs.lease_seconds,
        message_id_domain=message_id_domain(ctx.settings.email),
        link=link,
    )
    if claim is None:
        return
    pacer = Pacer(rate, float(payload.get("next_slot") or 0.0))
    if claim.sends:
        await send_paced(
            ctx, adapter, claim, _outbound_builder(ctx, claim), pacer, clock, ctx.settings.jobs.lease_seconds
        )
    progressed = bool(claim.sends or claim.suppressed or claim.failed or claim.deferred)
    await do_continue_or_finish(
        ctx.store,
        campaign_id,
        generation,
        lane,
        seq + 1,
        now=clock(),
        progressed=progressed,
        next_slot=pacer.next_slot if rate > 0 else None,
    )


def _outbound_builder(ctx: JobContext, claim: Claim) -> Callable[[ClaimedSend], OutboundMessage]:
    mailto = ctx.settings.campaigns.unsubscribe_mailto

    def build(item: ClaimedSend) -> OutboundMessage:
        if claim.channel == "sms":
            return OutboundMessage(
                channel=ChannelName.SMS,
                message_id=item.message_id,
                to=Identity(IdentityKind.PHONE, item.address),
                text=item.content.text,
                sender_address=claim.sender,
            )
        header = f"<{item.unsubscribe_url}>" + (f", <mailto:{mailto}?subject=unsubscribe>" if mailto else "")
        return OutboundMessage(
            channel=ChannelName.EMAIL,
            message_id=item.message_id,
            to=Identity(IdentityKind.EMAIL, item.address, item.display_name),
            text=item.content.text or _text_fallback(item.content.html),
            html=item.content.html or None,
            subject=item.content.subject,
            sender_address=claim.sender,
            external_id_hint=item.external_id_hint,
            metadata={
                "template": "campaign",
                "lang": item.language,
                "conversation_token": item.reply_token,
                "unsubscribe_url": item.unsubscribe_url,
                "list_unsubscribe": header,
                "list_unsubscribe_post": "List-Unsubscribe=One-Click",
            },
        )

    return build


def _text_fallback(html: str) -> str:
    return html_to_text(html) if html else ""

"""After sending: delivery reports, bounces and replies reach the campaign's recipients; a reply lands in the inbox
threaded to the campaign message and is routed like any other contact."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from channels.base import ChannelName, DeliveryStatus, DeliveryUpdate, Identity, IdentityKind, ThreadHints
from inbox.actions.campaign_control import do_start_campaign
from inbox.actions.campaign_edit import CampaignDraft, do_save_campaign, do_save_segment
from inbox.actions.campaign_sync import do_sync_recipient_statuses
from inbox.actions.delivery import do_apply_delivery_update
from inbox.campaign_results import campaign_results
from inbox.models import Campaign, CampaignRecipient, Contact, Conversation, Message, OutboxJob
from inbox.settings import Settings
from tests.support.campaign_people import add_people, numbered
from tests.support.factories import inbound, ingest
from tests.support.jobs import JobDriver
from tests.support.recording_channel import RecordingChannel
from workers.context import JobContext


@pytest.fixture
def settings(settings: Settings) -> Settings:
    web = settings.web.model_copy(update={"secret_key": SecretStr("sync-test-secret")})
    campaigns = settings.campaigns.model_copy(
        update={
            "email_per_second": 0.0,
            "sms_per_second": 0.0,
            "quiet_hours_start": "00:00",
            "quiet_hours_end": "00:00",
        }
    )
    return settings.model_copy(update={"web": web, "campaigns": campaigns})


async def send(ctx: JobContext, jobs: JobDriver, channel: str) -> int:
    segment = await do_save_segment(ctx.store, name=f"all {channel}", rules={"conditions": []})
    values = (
        {"text_template": "Hi {{ customer.first_name }}, rooms from 99. Reply STOP to opt out."}
        if channel == "sms"
        else {"subject_template": "Rooms from 99", "text_template": "Dear {{ customer.name }}"}
    )
    campaign_id = await do_save_campaign(
        ctx.store, CampaignDraft(name=f"Rooms {channel}", channel=channel, segment_id=segment, **values)
    )
    await do_start_campaign(ctx.store, campaign_id)
    await jobs.drain()
    return campaign_id


async def recipient_states(ctx: JobContext, campaign_id: int) -> list[str]:
    async with ctx.store.read() as session:
        rows = await session.execute(
            select(CampaignRecipient.status)
            .where(CampaignRecipient.campaign_id == campaign_id)
            .order_by(CampaignRecipient.contact_id)
        )
        return list(rows.scalars())


async def test_sms_delivery_replies_and_stop_reach_the_recipients(ctx: JobContext, jobs: JobDriver) -> None:
    await add_people(ctx.store, numbered(4))
    campaign_id = await send(ctx, jobs, "sms")
    channel = ctx.channels.get(ChannelName.SMS)
    assert isinstance(channel, RecordingChannel) and len(channel.sent) == 4
    first, second, third, _ = channel.sent
    await do_apply_delivery_update(
        ctx.store, DeliveryUpdate(ChannelName.SMS, DeliveryStatus.DELIVERED, external_id=f"sms-out-{first.message_id}")
    )
    await do_apply_delivery_update(
        ctx.store,
        DeliveryUpdate(
            ChannelName.SMS, DeliveryStatus.FAILED, external_id=f"sms-out-{second.message_id}", reason="unreachable"
        ),
    )
    reply = await ingest(
        ctx,
        inbound(ChannelName.SMS, "SM-reply-1", sender=Identity(IdentityKind.PHONE, third.to.value), text="Book me!"),
    )
    stop = await ingest(
        ctx,
        inbound(
            ChannelName.SMS,
            "SM-reply-2",
            sender=Identity(IdentityKind.PHONE, channel.sent[3].to.value),
            text="STOP",
            metadata={"consent": "opt_out"},
        ),
    )
    assert await do_sync_recipient_statuses(ctx.store) > 0
    assert await recipient_states(ctx, campaign_id) == ["delivered", "failed", "replied", "opted_out"]
    async with ctx.store.read() as session:
        recipient = (
            await session.execute(select(CampaignRecipient).where(CampaignRecipient.message_id == third.message_id))
        ).scalar_one()
        conversation = await session.get(Conversation, reply.conversation_id)
        routed = (await session.execute(select(OutboxJob.payload).where(OutboxJob.job == "route"))).scalars().all()
        campaign = await session.get(Campaign, campaign_id)
        assert campaign is not None
        figures = await campaign_results(session, campaign, 14)
        opted = await session.get(Contact, stop.contact_id)
    assert reply.conversation_id == recipient.conversation_id
    assert conversation is not None and conversation.status == "open" and "campaign" in conversation.labels
    assert any(reply.conversation_id in payload["conversation_ids"] for payload in routed)
    assert (figures.sent, figures.delivered, figures.failed, figures.replied, figures.opted_out) == (4, 1, 1, 2, 1)
    assert figures.reply_rate == 0.5
    assert opted is not None and opted.consent["sms"] is False
    assert await do_sync_recipient_statuses(ctx.store) == 0


async def test_an_email_reply_threads_to_the_campaign_message(ctx: JobContext, jobs: JobDriver) -> None:
    await add_people(ctx.store, numbered(2))
    campaign_id = await send(ctx, jobs, "email")
    channel = ctx.channels.get(ChannelName.EMAIL)
    assert isinstance(channel, RecordingChannel)
    sent = channel.sent[0]
    async with ctx.store.read() as session:
        message = await session.get(Message, sent.message_id)
        assert message is not None and message.external_id
    reply = await ingest(
        ctx,
        inbound(
            ChannelName.EMAIL,
            "answer-1@example.net",
            sender=Identity(IdentityKind.EMAIL, "someone.else@example.net"),
            subject="Re: Rooms from 99",
            thread=ThreadHints(references=(message.external_id,)),
        ),
    )
    await do_sync_recipient_statuses(ctx.store, campaign_id)
    async with ctx.store.read() as session:
        recipient = (
            await session.execute(select(CampaignRecipient).where(CampaignRecipient.message_id == sent.message_id))
        ).scalar_one()
    assert reply.thread_reason == "references an earlier message"
    assert recipient.conversation_id == reply.conversation_id and recipient.status == "replied"

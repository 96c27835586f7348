"""The unsubscribe page and RFC 8058 one-click endpoint, from a link in a sent campaign message to the next send."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from channels.base import ChannelName
from inbox.actions.campaign_control import do_start_campaign
from inbox.actions.campaign_edit import CampaignDraft, do_save_campaign, do_save_segment
from inbox.models import CampaignRecipient, Contact, Event
from inbox.settings import Settings
from tests.support.campaign_people import add_people, numbered
from tests.support.jobs import JobDriver
from tests.support.recording_channel import RecordingChannel
from tests.support.web import build_app, client_for
from workers.context import JobContext


@pytest.fixture
def settings(settings: Settings) -> Settings:
    web = settings.web.model_copy(update={"secret_key": SecretStr("unsubscribe-test-secret")})
    campaigns = settings.campaigns.model_copy(
        update={"email_per_second": 0.0, "quiet_hours_start": "00:00", "quiet_hours_end": "00:00"}
    )
    return settings.model_copy(update={"web": web, "campaigns": campaigns})


async def send_campaign(ctx: JobContext, jobs: JobDriver, segment_id: int, name: str) -> None:
    draft = CampaignDraft(
        name=name,
        channel="email",
        segment_id=segment_id,
        subject_template=name + " for {{ customer.first_name }}",
        text_template="News for you.",
    )
    campaign_id = await do_save_campaign(ctx.store, draft)
    await do_start_campaign(ctx.store, campaign_id)
    await jobs.drain()


def outbox_of(ctx: JobContext) -> RecordingChannel:
    adapter = ctx.channels.get(ChannelName.EMAIL)
    assert isinstance(adapter, RecordingChannel)
    return adapter


async def test_one_click_bare_post_takes_effect_for_the_next_send(ctx: JobContext, jobs: JobDriver) -> None:
    ids = await add_people(ctx.store, numbered(3, language="zh-CN"))
    segment = await do_save_segment(ctx.store, name="everyone", rules={"conditions": []})
    await send_campaign(ctx, jobs, segment, "Spring")
    sent = outbox_of(ctx).sent
    assert len(sent) == 3
    target = next(item for item in sent if item.to.value == "guest1@example.com")
    path = urlsplit(target.metadata["unsubscribe_url"]).path
    assert target.metadata["list_unsubscribe"] == f"<{target.metadata['unsubscribe_url']}>"
    async with client_for(build_app(ctx)) as client:
        page = await client.get(path)
        assert page.status_code == 200 and "不再接收我们的营销邮件" in page.text
        english = await client.get(path, params={"lang": "en"})
        assert "Stop receiving our marketing emails?" in english.text
        # Looking at the page (as a mail scanner does) changes nothing.
        async with ctx.store.read() as session:
            assert (await session.get(Contact, ids[1])) is not None
            assert (await session.get(Contact, ids[1])).consent.get("email") is True  # type: ignore[union-attr]
        # What a mail provider sends: no cookie, no form token, just the RFC 8058 body.
        done = await client.post(
            path,
            content=b"List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert done.status_code == 200 and "您已成功退订" in done.text
        again = await client.post(path, data={"List-Unsubscribe": "One-Click"})
        assert again.status_code == 200
        forged = await client.post(path[:-3] + "abc", data={"List-Unsubscribe": "One-Click"})
        assert forged.status_code == 404
    async with ctx.store.read() as session:
        contact = await session.get(Contact, ids[1])
        assert contact is not None and contact.consent == {"email": False, "sms": True}
        status = (
            await session.execute(select(CampaignRecipient.status).where(CampaignRecipient.contact_id == ids[1]))
        ).scalar_one()
        assert status == "opted_out"
        changes = (await session.execute(select(Event).where(Event.kind == "consent.changed"))).scalars().all()
        assert len(changes) == 1 and changes[0].data["source"] == "campaign unsubscribe (one-click)"
    await send_campaign(ctx, jobs, segment, "Summer")
    summer = [item.to.value for item in outbox_of(ctx).sent[3:]]
    assert sorted(summer) == ["guest0@example.com", "guest2@example.com"]


async def test_a_link_without_a_valid_signature_changes_nothing(ctx: JobContext) -> None:
    await add_people(ctx.store, numbered(1))
    async with client_for(build_app(ctx)) as client:
        for path in ("/unsubscribe/1", "/unsubscribe/MQ.forged"):
            assert (await client.get(path)).status_code == 404
            answer = await client.post(path, data={"List-Unsubscribe": "One-Click"})
            assert answer.status_code == 404 and "not valid" in answer.text
    async with ctx.store.read() as session:
        assert (await session.execute(select(Contact.consent))).scalar_one() == {"email": True, "sms": True}

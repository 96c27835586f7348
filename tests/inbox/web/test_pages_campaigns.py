"""The marketers' pages: segments with live counts, the editor with preview and test send, sending and control."""

from __future__ import annotations

import json

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from channels.base import ChannelName
from inbox.models import Campaign, Event, Segment
from inbox.settings import Settings
from tests.support.campaign_people import add_people, numbered
from tests.support.jobs import JobDriver
from tests.support.recording_channel import RecordingChannel
from tests.support.web import build_app, build_world, client_for, page_token, sign_in
from workers.context import JobContext

GOLD = {
    "match": "all",
    "conditions": [
        {"field": "tier", "op": "in", "value": ["gold"]},
        {"field": "consent", "channel": "email", "op": "granted"},
    ],
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    web = settings.web.model_copy(update={"secret_key": SecretStr("pages-test-secret")})
    campaigns = settings.campaigns.model_copy(
        update={"email_per_second": 0.0, "quiet_hours_start": "00:00", "quiet_hours_end": "00:00"}
    )
    return settings.model_copy(update={"web": web, "campaigns": campaigns})


async def test_a_marketer_builds_previews_tests_and_sends_a_campaign(ctx: JobContext, jobs: JobDriver) -> None:
    world = await build_world(ctx)
    await add_people(ctx.store, numbered(6, tier="gold"))
    await add_people(ctx.store, numbered(4, start=6, tier="bronze"))
    app = build_app(ctx)
    async with client_for(app) as client:
        await sign_in(client, world.emails["mia"])
        counted = await client.get("/segments", params={"name": "Gold", "rules": json.dumps(GOLD)})
        assert counted.status_code == 200 and "6 customers" in counted.text and "6 reachable by email" in counted.text
        token = await page_token(client, "/segments")
        saved = await client.post("/segments", data={"csrf_token": token, "name": "Gold", "rules": json.dumps(GOLD)})
        assert saved.status_code == 303
        async with ctx.store.read() as session:
            segment_id = (await session.execute(select(Segment.id))).scalar_one()
        form = {
            "csrf_token": await page_token(client, "/campaigns/new"),
            "name": "Gold weekend",
            "channel": "email",
            "segment_id": str(segment_id),
            "subject_template": "{{ customer.first_name }}, a weekend for you",
            "html_template": "<p>Dear {{ customer.nickname }}</p>",
            "text_template": "",
        }
        created = await client.post("/campaigns", data=form)
        assert created.status_code == 303
        page = await client.get(created.headers["location"])
        assert "Template error" in page.text and "nickname" in page.text
        campaign_path = created.headers["location"]
        token = await page_token(client, campaign_path)
        refused = await client.post(f"{campaign_path}/send", data={"csrf_token": token})
        assert refused.status_code == 400 and "nickname" in refused.text
        form.update(html_template="<p>Dear {{ customer.name }}</p>", csrf_token=await page_token(client, campaign_path))
        assert (await client.post(campaign_path, data=form)).status_code == 303
        page = await client.get(campaign_path)
        assert "Dear Guest guest0" in page.text and "Template error" not in page.text
        token = await page_token(client, campaign_path)
        assert (await client.post(f"{campaign_path}/test", data={"csrf_token": token})).status_code == 303
        await jobs.drain()
        email = ctx.channels.get(ChannelName.EMAIL)
        assert isinstance(email, RecordingChannel)
        assert [(item.to.value, item.subject) for item in email.sent] == [
            (world.emails["mia"], "[Test] Guest, a weekend for you")
        ]
        token = await page_token(client, campaign_path)
        assert (await client.post(f"{campaign_path}/send", data={"csrf_token": token})).status_code == 303
        await jobs.drain()
        page = await client.get(campaign_path)
        assert 'data-figure="sent">6<' in page.text and "(done)" in page.text
        listing = await client.get("/campaigns")
        assert "Gold weekend" in listing.text
    assert len(email.sent) == 7
    async with ctx.store.read() as session:
        assert (await session.execute(select(Campaign.status))).scalar_one() == "done"
        reads = (await session.execute(select(Event).where(Event.kind == "contact.viewed"))).scalars().all()
    assert reads and {event.data["via"] for event in reads} == {"campaign preview"}


async def test_agents_and_supervisors_have_no_campaign_pages(ctx: JobContext) -> None:
    world = await build_world(ctx)
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, world.emails["olivia"])
        assert (await client.get("/campaigns")).status_code == 403
        assert (await client.get("/segments")).status_code == 403

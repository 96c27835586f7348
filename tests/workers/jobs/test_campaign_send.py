"""Campaign sending through the job machinery, with recording channels: who gets a message, when, and how often."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from channels.base import ChannelName, PermanentChannelError, TransientChannelError
from inbox.actions.campaign_claim import Claim, do_claim_recipients
from inbox.actions.campaign_control import (
    do_cancel_campaign,
    do_pause_campaign,
    do_resume_campaign,
    do_start_campaign,
)
from inbox.actions.campaign_edit import CampaignDraft, PaymentRow, do_import_payments, do_save_campaign, do_save_segment
from inbox.actions.campaign_record import SendOutcome, do_record_outcomes
from inbox.campaign_queries import sending_state
from inbox.campaign_results import CampaignResults, campaign_results
from inbox.campaign_templates import CampaignTemplateError
from inbox.models import Campaign, CampaignRecipient, Message, OutboxJob
from inbox.settings import Settings
from tests.support.campaign_people import add_people, numbered
from tests.support.jobs import JobDriver
from tests.support.recording_channel import RecordingChannel
from workers.context import JobContext
from workers.embedded import EmbeddedRunner
from workers.jobs import campaign_send, campaign_start
from workers.jobs.campaign_pacing import CLOCK_KEY

SUBJECT = "Hello {{ customer.first_name }}"
HTML = "<p>Dear {{ customer.name }}, our {{ customer.tier }} offer.</p>"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    web = settings.web.model_copy(update={"secret_key": SecretStr("campaign-test-secret")})
    campaigns = settings.campaigns.model_copy(
        update={
            "email_per_second": 0.0,
            "sms_per_second": 0.0,
            "quiet_hours_start": "00:00",
            "quiet_hours_end": "00:00",
        }
    )
    return settings.model_copy(update={"web": web, "campaigns": campaigns})


def recorder(ctx: JobContext, channel: ChannelName) -> RecordingChannel:
    adapter = ctx.channels.get(channel)
    assert isinstance(adapter, RecordingChannel)
    return adapter


async def campaign(
    ctx: JobContext, channel: str = "email", rules: dict[str, Any] | None = None, **templates: str
) -> int:
    segment = await do_save_segment(
        ctx.store, name=f"segment {channel} {len(templates)}", rules=rules or {"match": "all", "conditions": []}
    )
    values: dict[str, Any] = {"subject_template": SUBJECT, "html_template": HTML} if channel == "email" else {}
    if channel == "sms":
        values["text_template"] = "Hi {{ customer.first_name }}, 20% off this week. Reply STOP to opt out."
    values.update(templates)
    draft = CampaignDraft(name=f"Spring {channel}", channel=channel, segment_id=segment, **values)
    return await do_save_campaign(ctx.store, draft)


async def results(ctx: JobContext, campaign_id: int) -> CampaignResults:
    async with ctx.store.read() as session:
        found = await session.get(Campaign, campaign_id)
        assert found is not None
        return await campaign_results(session, found, ctx.settings.campaigns.attribution_days)


async def statuses(ctx: JobContext, campaign_id: int) -> dict[int, str]:
    async with ctx.store.read() as session:
        rows = await session.execute(
            select(CampaignRecipient.contact_id, CampaignRecipient.status).where(
                CampaignRecipient.campaign_id == campaign_id
            )
        )
        return {int(cid): status for cid, status in rows.all()}


async def test_every_consenting_recipient_gets_one_message_with_unsubscribe_headers(
    ctx: JobContext, jobs: JobDriver
) -> None:
    consent = {0: {"email": False}, 1: {}, 2: {"email": True, "sms": False}}
    ids = await add_people(ctx.store, numbered(40, consent=lambda n: consent.get(n % 4, {"email": True})))
    campaign_id = await campaign(ctx)
    assert await do_start_campaign(ctx.store, campaign_id) == "sending"
    await jobs.drain()
    sent = recorder(ctx, ChannelName.EMAIL).sent
    addresses = [item.to.value for item in sent]
    assert len(addresses) == len(set(addresses)) == 20
    assert {int(a[5:].split("@")[0]) % 4 for a in addresses} == {2, 3}
    first = sent[0]
    assert first.subject == "Hello Guest"
    assert "Dear Guest guest" in (first.html or "")
    assert first.metadata["list_unsubscribe"].startswith("<https://") or first.metadata["list_unsubscribe"].startswith(
        "<http"
    )
    assert first.metadata["list_unsubscribe_post"] == "List-Unsubscribe=One-Click"
    assert first.external_id_hint and first.external_id_hint.startswith(f"campaign.{campaign_id}.")
    figures = await results(ctx, campaign_id)
    assert (figures.recipients, figures.sent, figures.suppressed, figures.status) == (40, 20, 20, "done")
    by_contact = await statuses(ctx, campaign_id)
    assert by_contact[ids[0]] == "suppressed" and by_contact[ids[3]] == "sent"
    async with ctx.store.read() as session:
        stored = (
            await session.execute(select(func.count()).select_from(Message).where(Message.delivery_status == "sent"))
        ).scalar_one()
    assert stored == 20


async def test_template_errors_are_caught_and_refuse_to_send(ctx: JobContext) -> None:
    await add_people(ctx.store, numbered(3))
    undefined = await campaign(ctx, subject_template="Hi {{ customer.nickname }}")
    with pytest.raises(CampaignTemplateError, match="nickname"):
        await do_start_campaign(ctx.store, undefined)
    escape = await campaign(ctx, html_template="{{ customer.__class__.__mro__ }}", text_template="x")
    with pytest.raises(CampaignTemplateError):
        await do_start_campaign(ctx.store, escape)
    async with ctx.store.read() as session:
        queued = (await session.execute(select(func.count()).select_from(OutboxJob))).scalar_one()
        states = set((await session.execute(select(Campaign.status))).scalars())
    assert queued == 0 and states == {"draft"}


async def test_quiet_hours_follow_each_customers_time_zone(ctx: JobContext) -> None:
    ctx.settings.campaigns.quiet_hours_start = "21:00"
    ctx.settings.campaigns.quiet_hours_end = "08:00"
    await add_people(ctx.store, numbered(1, timezone="Asia/Shanghai"))
    await add_people(ctx.store, numbered(1, start=1, timezone="Europe/London"))
    await add_people(ctx.store, numbered(1, start=2, timezone="America/New_York"))
    now = datetime(2026, 1, 10, 14, 0, tzinfo=UTC)  # 22:00 in Shanghai, 14:00 in London, 09:00 in New York
    ctx.extras[CLOCK_KEY] = lambda: now
    campaign_id = await campaign(ctx)
    await do_start_campaign(ctx.store, campaign_id)
    runner = EmbeddedRunner(ctx)
    for _ in range(6):
        await runner.run_once()
    assert sorted(item.to.value for item in recorder(ctx, ChannelName.EMAIL).sent) == [
        "guest1@example.com",
        "guest2@example.com",
    ]
    async with ctx.store.read() as session:
        waiting = (
            await session.execute(select(CampaignRecipient).where(CampaignRecipient.status == "queued"))
        ).scalar_one()
    # 08:00 the next morning in Shanghai.
    assert waiting.not_before == datetime(2026, 1, 11, 0, 0, tzinfo=UTC)
    now = datetime(2026, 1, 11, 0, 5, tzinfo=UTC)
    for _ in range(6):
        await runner.run_once()
    assert len(recorder(ctx, ChannelName.EMAIL).sent) == 3
    assert (await results(ctx, campaign_id)).status == "done"


async def test_frequency_cap_suppresses_customers_who_had_enough(ctx: JobContext, jobs: JobDriver) -> None:
    ctx.settings.campaigns.frequency_cap = 1
    await add_people(ctx.store, numbered(5))
    first = await campaign(ctx)
    await do_start_campaign(ctx.store, first)
    await jobs.drain()
    second = await campaign(ctx, subject_template="Again {{ customer.name }}")
    await do_start_campaign(ctx.store, second)
    await jobs.drain()
    assert len(recorder(ctx, ChannelName.EMAIL).sent) == 5
    figures = await results(ctx, second)
    assert (figures.sent, figures.suppressed) == (0, 5)


async def test_pause_resume_and_cancel(ctx: JobContext, jobs: JobDriver) -> None:
    await add_people(ctx.store, numbered(12))
    paused = await campaign(ctx)
    await do_start_campaign(ctx.store, paused)
    await do_pause_campaign(ctx.store, paused)
    await jobs.drain()
    assert recorder(ctx, ChannelName.EMAIL).sent == []
    await do_resume_campaign(ctx.store, paused)
    await jobs.drain()
    assert len(recorder(ctx, ChannelName.EMAIL).sent) == 12
    cancelled = await campaign(ctx, subject_template="Later {{ customer.name }}")
    await do_start_campaign(ctx.store, cancelled, at=datetime(2030, 1, 1, tzinfo=UTC))
    assert (await results(ctx, cancelled)).status == "scheduled"
    await do_cancel_campaign(ctx.store, cancelled)
    # The start job stays queued for 2030; when its time comes it finds the campaign cancelled and does nothing.
    async with ctx.store.read() as session:
        start = (await session.execute(select(OutboxJob).where(OutboxJob.job == "campaign_start"))).scalars().all()
    await EmbeddedRunner(ctx).run_once()
    await campaign_start.run(ctx, dict(start[-1].payload))
    assert len(recorder(ctx, ChannelName.EMAIL).sent) == 12
    figures = await results(ctx, cancelled)
    assert (figures.status, figures.recipients) == ("cancelled", 0)


async def test_failures_are_retried_or_recorded_with_the_reason(ctx: JobContext, jobs: JobDriver) -> None:
    ctx.settings.campaigns.email_lanes = 1
    ids = await add_people(ctx.store, numbered(3))
    channel = recorder(ctx, ChannelName.EMAIL)
    channel.fail_next(
        PermanentChannelError("The mail server answered 550: no such user", code="550"),
        TransientChannelError("The mail server did not answer in time"),
    )
    campaign_id = await campaign(ctx)
    await do_start_campaign(ctx.store, campaign_id)
    await jobs.drain()
    assert sorted(item.to.value for item in channel.sent) == ["guest1@example.com", "guest2@example.com"]
    by_contact = await statuses(ctx, campaign_id)
    assert by_contact == {ids[0]: "bounced", ids[1]: "sent", ids[2]: "sent"}
    figures = await results(ctx, campaign_id)
    assert (figures.sent, figures.bounced, figures.status) == (2, 1, "done")


async def test_a_claim_abandoned_mid_send_is_sent_once_with_the_same_message_id(
    ctx: JobContext, jobs: JobDriver
) -> None:
    ctx.settings.campaigns.email_lanes = 1
    await add_people(ctx.store, numbered(4))
    campaign_id = await campaign(ctx)
    await do_start_campaign(ctx.store, campaign_id)
    async with ctx.store.read() as session:
        generation = (await session.execute(select(Campaign.generation))).scalar_one()
    # A process claims two recipients and dies before sending (its claim lasts no time at all).
    await EmbeddedRunner(ctx).run_once()  # the start job lists the recipients
    abandoned = await do_claim_recipients(
        ctx.store,
        campaign_id,
        generation,
        limit=2,
        now=datetime.now(UTC),
        claim_seconds=0,
        message_id_domain="hub.test",
        link=lambda rid: f"https://hub.example.com/unsubscribe/{rid}",
    )
    assert abandoned is not None and len(abandoned.sends) == 2
    await jobs.drain()
    sent = recorder(ctx, ChannelName.EMAIL).sent
    assert sorted(item.to.value for item in sent) == [f"guest{n}@example.com" for n in range(4)]
    hints = {item.message_id: item.external_id_hint for item in sent}
    for item in abandoned.sends:
        assert hints[item.message_id] == item.external_id_hint
    async with ctx.store.read() as session:
        messages = (await session.execute(select(func.count()).select_from(Message))).scalar_one()
    assert messages == 4


async def test_roi_counts_payments_within_the_window_against_the_costs(ctx: JobContext, jobs: JobDriver) -> None:
    ids = await add_people(ctx.store, numbered(4))
    campaign_id = await campaign(ctx)
    async with ctx.store.write() as session:
        found = await session.get(Campaign, campaign_id)
        assert found is not None
        found.cost_fixed, found.cost_per_message = Decimal("10.00"), Decimal("0.50")
    await do_start_campaign(ctx.store, campaign_id)
    await jobs.drain()
    later = datetime.now(UTC) + timedelta(minutes=5)
    rows = [
        PaymentRow("order-1", ids[0], Decimal("30.00"), later.replace(year=later.year + 1)),
        PaymentRow("order-2", ids[1], Decimal("24.00"), later),
        PaymentRow("order-3", ids[1], Decimal("6.00"), later),
        PaymentRow("order-4", 999_999, Decimal("100.00"), later),
    ]
    assert await do_import_payments(ctx.store, rows) == 3
    assert await do_import_payments(ctx.store, rows) == 0
    figures = await results(ctx, campaign_id)
    assert figures.cost == Decimal("12.00") and figures.revenue == Decimal("30.00")
    assert figures.paying_customers == 1 and figures.roi == pytest.approx(1.5)


async def test_sms_campaigns_on_one_number_share_its_rate(ctx: JobContext) -> None:
    ctx.settings.campaigns.sms_per_second = 4.0
    await add_people(ctx.store, numbered(2))
    first = await campaign(ctx, "sms")
    second = await campaign(ctx, "sms", text_template="Second {{ customer.name }}")
    await do_start_campaign(ctx.store, first)
    state = await sending_state(ctx.store, first)
    assert state is not None and await campaign_send._rate_per_lane(ctx, state, 1) == 4.0
    await do_start_campaign(ctx.store, second)
    assert await campaign_send._rate_per_lane(ctx, state, 1) == 2.0
    async with ctx.store.write() as session:
        found = await session.get(Campaign, second)
        assert found is not None
        found.sender = "+14155550199"
    assert await campaign_send._rate_per_lane(ctx, state, 1) == 4.0


async def test_late_outcomes_of_a_claim_taken_over_leave_the_new_claims_rows_alone(
    ctx: JobContext, jobs: JobDriver
) -> None:
    ctx.settings.campaigns.email_lanes = 1
    await add_people(ctx.store, numbered(3))
    campaign_id = await campaign(ctx)
    await do_start_campaign(ctx.store, campaign_id)
    async with ctx.store.read() as session:
        generation = (await session.execute(select(Campaign.generation))).scalar_one()
    await EmbeddedRunner(ctx).run_once()  # the start job lists the recipients

    async def claim(seconds: float) -> Claim:
        found = await do_claim_recipients(
            ctx.store,
            campaign_id,
            generation,
            limit=3,
            now=datetime.now(UTC),
            claim_seconds=seconds,
            message_id_domain="hub.test",
            link=lambda rid: f"https://hub.example.com/unsubscribe/{rid}",
        )
        assert found is not None and len(found.sends) == 3
        return found

    def accepted(claim: Claim) -> list[SendOutcome]:
        return [
            SendOutcome(
                item.recipient_id,
                item.message_id,
                external_id=item.external_id_hint,
                stored_external_id=item.external_id_hint,
            )
            for item in claim.sends
        ]

    async def rows() -> list[tuple[str, str | None]]:
        async with ctx.store.read() as session:
            found = await session.execute(
                select(CampaignRecipient.status, CampaignRecipient.claim_token).order_by(CampaignRecipient.id)
            )
            return [(status, token) for status, token in found.all()]

    # A stalled process's claim runs out and a second process takes the same recipients over...
    stalled = await claim(0)
    taken_over = await claim(300)
    assert {item.recipient_id for item in stalled.sends} == {item.recipient_id for item in taken_over.sends}
    # ...then the stalled one wakes up and reports its sends: the rows stay the second process's to settle.
    await do_record_outcomes(
        ctx.store, stalled.token, "email", accepted(stalled), now=datetime.now(UTC), retry_delay_seconds=60
    )
    assert await rows() == [("sending", taken_over.token)] * 3
    await do_record_outcomes(
        ctx.store, taken_over.token, "email", accepted(taken_over), now=datetime.now(UTC), retry_delay_seconds=60
    )
    assert await rows() == [("sent", None)] * 3
    async with ctx.store.read() as session:
        messages = (await session.execute(select(Message.delivery_status, Message.external_id))).all()
    assert sorted(messages) == sorted(("sent", item.external_id_hint) for item in taken_over.sends)


def test_lanes_start_with_batches_of_staggered_sizes(ctx: JobContext) -> None:
    # Equal first batches would end together and send every lane to claim at once, idling the connections.
    ctx.settings.campaigns.batch_size = 1000
    assert [campaign_send._batch_limit(ctx, 0.0, lane, 2, 0) for lane in range(2)] == [500, 1000]
    assert [campaign_send._batch_limit(ctx, 0.0, lane, 2, 1) for lane in range(2)] == [1000, 1000]
    assert campaign_send._batch_limit(ctx, 0.0, 0, 1, 0) == 1000

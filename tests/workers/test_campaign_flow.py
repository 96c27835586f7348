"""A 10,000-recipient email + SMS campaign against the SMTP sink (STARTTLS, login) and the Twilio mock, with the
sending process killed mid-run and the work finished by a fresh one: every consenting customer gets exactly one
email and one text, customers who opted out get none."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
import trustme
from sqlalchemy import select

from channels.registry import ChannelRegistry
from inbox.actions.campaign_control import do_start_campaign
from inbox.actions.campaign_edit import CampaignDraft, do_save_campaign, do_save_segment
from inbox.campaign_results import campaign_results
from inbox.models import Campaign
from inbox.settings import Settings, load_settings
from tests.channels.email.smtp_sink import PASSWORD, USERNAME, SmtpServer
from tests.support import backends
from tests.support.campaign_people import add_people, numbered
from tests.support.jobs import JobDriver
from tests.support.twilio_hub import ACCOUNT_SID, AUTH_TOKEN, HUB_NUMBER
from tests.support.twilio_recorder import TwilioRecorder, twilio_recorder
from tests.workers.email_hub import HUB_ADDRESS, trust_file
from workers.channel_setup import register_configured_channels
from workers.context import JobContext

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = 10_000
LEASE_SECONDS = 20
# Only stops a hung test; nothing here measures speed.
HANG_GUARD_SECONDS = 600


def email_consent(n: int) -> bool:
    return n % 10 != 0


def sms_consent(n: int) -> bool:
    return n % 7 != 0


@pytest.fixture
async def twilio(prism_url: str) -> AsyncIterator[TwilioRecorder]:
    async with twilio_recorder(prism_url) as recorder:
        yield recorder


@pytest.fixture
def overrides(
    database_url: str,
    starttls_server: SmtpServer,
    certificate_authority: trustme.CA,
    twilio: TwilioRecorder,
    tmp_path: Path,
) -> dict[str, Any]:
    """The whole configuration as ``load_settings`` arguments, shared with the process that gets killed."""
    jobs: dict[str, Any] = {
        "backoff_base_seconds": 0.01,
        "backoff_max_seconds": 0.05,
        "max_attempts": 4,
        "relay_interval_seconds": 0.05,
        "lease_seconds": LEASE_SECONDS,
    }
    if backends.uses_postgres():
        jobs.update(redis_url=backends.REDIS_URL, queue_name=f"hub:test:{uuid.uuid4().hex[:8]}")
    return {
        "database": {"url": database_url},
        "hub": {"data_dir": str(tmp_path / "data"), "public_url": "https://hub.example.com"},
        "jobs": jobs,
        "email": {
            "from_address": HUB_ADDRESS,
            "from_name": "Hub Hotels",
            "message_id_domain": "hub.test",
            "reply_domain": "reply.hub.test",
            "smtp_host": "127.0.0.1",
            "smtp_port": starttls_server.port,
            "smtp_security": "starttls",
            "smtp_username": USERNAME,
            "smtp_password": PASSWORD,
            "smtp_pool_size": 4,
            "timeout_seconds": 30,
            "ca_file": str(trust_file(certificate_authority, tmp_path)),
        },
        "twilio": {
            "account_sid": ACCOUNT_SID,
            "auth_token": AUTH_TOKEN,
            "api_base_url": twilio.url,
            "sms_from": HUB_NUMBER,
        },
        "web": {"secret_key": "campaign-flow-secret"},
        "campaigns": {
            "email_per_second": 0,
            "sms_per_second": 0,
            "batch_size": 250,
            "quiet_hours_start": "00:00",
            "quiet_hours_end": "00:00",
        },
    }


@pytest.fixture
def settings(overrides: dict[str, Any]) -> Settings:
    return load_settings(**overrides)


@pytest.fixture
def channels(settings: Settings) -> ChannelRegistry:
    registry = ChannelRegistry()
    register_configured_channels(registry, settings)
    return registry


async def start_campaigns(ctx: JobContext) -> tuple[int, int]:
    segment = await do_save_segment(ctx.store, name="all guests", rules={"match": "all", "conditions": []})
    email = await do_save_campaign(
        ctx.store,
        CampaignDraft(
            name="Winter offer",
            channel="email",
            segment_id=segment,
            subject_template="{{ customer.first_name }}, your winter offer",
            html_template="<p>Dear {{ customer.name }},</p><p>As a {{ customer.tier }} member you save 15%.</p>",
        ),
    )
    sms = await do_save_campaign(
        ctx.store,
        CampaignDraft(
            name="Winter text",
            channel="sms",
            segment_id=segment,
            text_template="Hi {{ customer.first_name }}: 15% off this winter. Reply STOP to opt out.",
        ),
    )
    await do_start_campaign(ctx.store, email)
    await do_start_campaign(ctx.store, sms)
    return email, sms


async def run_until_killed(overrides: dict[str, Any], folder: Path, hang_after: int) -> str:
    settings_file, marker = folder / "doomed-settings.json", folder / "doomed-marker"
    settings_file.write_text(json.dumps(overrides))
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.support.doomed_campaign_runner",
        str(settings_file),
        str(marker),
        str(hang_after),
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        async with asyncio.timeout(HANG_GUARD_SECONDS):
            while not marker.exists():
                assert process.returncode is None, "the sending process stopped on its own"
                await asyncio.sleep(0.1)
        # Sends already under way finish and are recorded; the process is then killed while one send hangs.
        await asyncio.sleep(1.5)
    finally:
        process.send_signal(signal.SIGKILL)
        await process.wait()
    return marker.read_text()


async def test_every_consenting_customer_gets_exactly_one_message_despite_a_killed_worker(
    ctx: JobContext,
    jobs: JobDriver,
    overrides: dict[str, Any],
    starttls_server: SmtpServer,
    twilio: TwilioRecorder,
    tmp_path: Path,
) -> None:
    await add_people(ctx.store, numbered(PEOPLE, consent=lambda n: {"email": email_consent(n), "sms": sms_consent(n)}))
    email_id, sms_id = await start_campaigns(ctx)
    hung = await run_until_killed(overrides, tmp_path, hang_after=4000)
    received = starttls_server.handler.received
    before = len(received) + len(twilio.forms)
    wanted_emails = {f"guest{n}@example.com" for n in range(PEOPLE) if email_consent(n)}
    wanted_numbers = {f"+1415{2000000 + n:07d}" for n in range(PEOPLE) if sms_consent(n)}
    assert 4000 <= before < len(wanted_emails) + len(wanted_numbers), hung
    # The dead process's claims run out; a fresh worker takes over.
    await asyncio.sleep(LEASE_SECONDS + 1)
    await jobs.drain()
    emails = Counter(address for item in received for address in item.recipients)
    numbers = Counter(form["To"] for form in twilio.forms)
    twice = {address: n for address, n in (emails + numbers).items() if n > 1}
    assert not twice, f"{len(twice)} customers got a message twice, e.g. {sorted(twice)[:5]} ({hung})"
    assert set(emails) == wanted_emails, (len(wanted_emails - set(emails)), len(set(emails) - wanted_emails))
    assert set(numbers) == wanted_numbers, (len(wanted_numbers - set(numbers)), len(set(numbers) - wanted_numbers))
    assert twilio.failures == []
    sample = message_from_bytes(received[-1].content, policy=default)
    # Folded onto a continuation line when long, as RFC 5322 allows.
    assert str(sample["List-Unsubscribe"]).strip().startswith("<https://hub.example.com/unsubscribe/")
    assert sample["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    async with ctx.store.read() as session:
        for campaign_id, expected in ((email_id, wanted_emails), (sms_id, wanted_numbers)):
            campaign = (await session.execute(select(Campaign).where(Campaign.id == campaign_id))).scalar_one()
            figures = await campaign_results(session, campaign, 14)
            assert (figures.status, figures.sent, figures.suppressed) == ("done", len(expected), PEOPLE - len(expected))

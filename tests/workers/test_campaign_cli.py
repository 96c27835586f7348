"""``hub segment`` and ``hub campaign`` end to end: save, preview, send with progress, results, refusals, ROI."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.campaign_people import add_people, numbered
from tests.support.twilio_hub import ACCOUNT_SID, AUTH_TOKEN, HUB_NUMBER
from tests.support.twilio_recorder import TwilioRecorder, twilio_recorder
from workers.context import JobContext

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def twilio(prism_url: str) -> AsyncIterator[TwilioRecorder]:
    async with twilio_recorder(prism_url) as recorder:
        yield recorder


async def hub(ctx: JobContext, twilio: TwilioRecorder, *args: str) -> tuple[int, str, str]:
    env = {
        **os.environ,
        "HUB_DATABASE__URL": ctx.settings.database_url,
        "HUB_HUB__DATA_DIR": str(ctx.settings.data_dir),
        "HUB_HUB__PUBLIC_URL": "https://hub.example.com",
        "HUB_TWILIO__ACCOUNT_SID": ACCOUNT_SID,
        "HUB_TWILIO__AUTH_TOKEN": AUTH_TOKEN,
        "HUB_TWILIO__API_BASE_URL": twilio.url,
        "HUB_TWILIO__SMS_FROM": HUB_NUMBER,
        "HUB_CAMPAIGNS__SMS_PER_SECOND": "0",
        "HUB_CAMPAIGNS__QUIET_HOURS_START": "00:00",
        "HUB_CAMPAIGNS__QUIET_HOURS_END": "00:00",
        "HUB_JOBS__REDIS_URL": "",
    }
    # Run without blocking the loop: the Twilio stand-in answering the command lives in this process.
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "workers.cli",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=300)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_a_campaign_from_the_command_line(ctx: JobContext, twilio: TwilioRecorder, tmp_path: Path) -> None:
    ids = await add_people(ctx.store, numbered(3))
    code, out, _ = await hub(ctx, twilio, "segment", "save", "Everyone", '{"conditions": []}')
    assert code == 0 and "3 customers, 3 reachable by email, 3 by SMS" in out
    code, out, _ = await hub(
        ctx, twilio, "campaign", "create", "--name", "Hello", "--channel", "sms", "--segment", "1",
        "--text", "Hi {{ customer.first_name }}, 10% off. Reply STOP to opt out.",
    )  # fmt: skip
    assert code == 0 and "Campaign 1 saved" in out
    code, out, _ = await hub(ctx, twilio, "campaign", "preview", "1")
    assert code == 0 and "Hi Guest, 10% off" in out and "SMS segments: 1" in out
    code, out, err = await hub(ctx, twilio, "campaign", "send", "1")
    assert code == 0, err
    assert "[##############################] 3/3" in err
    assert "sent: 3" in out and "status: done" in out
    assert sorted(form["To"] for form in twilio.forms) == ["+14152000000", "+14152000001", "+14152000002"]
    code, _, err = await hub(
        ctx, twilio, "campaign", "create", "--name", "Broken", "--channel", "sms", "--segment", "1",
        "--text", "Hi {{ customer.nickname }}",
    )  # fmt: skip
    code, _, err = await hub(ctx, twilio, "campaign", "send", "2")
    assert code == 1 and "nickname" in err
    payments = tmp_path / "payments.csv"
    payments.write_text(f"reference,contact_id,amount,paid_at\nP-1,{ids[0]},120.00,2099-01-01T10:00:00\n")
    code, out, _ = await hub(ctx, twilio, "campaign", "import-payments", str(payments))
    assert code == 0 and "1 new payments stored" in out
    code, out, _ = await hub(ctx, twilio, "campaign", "costs", "1", "--fixed", "20", "--per-message", "0")
    assert code == 0 and "cost: 20.00" in out
    code, out, _ = await hub(ctx, twilio, "campaign", "list")
    assert "done" in out and "Hello" in out and "Broken" in out
    assert len(twilio.forms) == 3

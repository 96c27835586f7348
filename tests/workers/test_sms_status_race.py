"""An SMS status callback and the send job's record of the Message SID race: Twilio may call back before the job
has written down the SID its API call returned. The callback URL carries the hub's message id, so the status
is matched either way, and neither order loses what the other said.

Real sends go through the Prism mock of Twilio (behind the recording proxy, which hands out fresh SIDs); the
callbacks are signed and posted to the hub's own status route.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from sqlalchemy import select

from channels.base import ChannelName, InboundMessage, OutboundMessage
from channels.sms import SmsChannel
from inbox.actions.reply import do_reply
from inbox.models import Event, Message
from tests.support.factories import inbound, ingest
from tests.support.jobs import JobDriver
from tests.support.twilio_hub import ACCOUNT_SID, TwilioHub, twilio_hub, with_twilio
from tests.support.twilio_recorder import TwilioRecorder, twilio_recorder
from workers.channel_setup import twilio_config
from workers.context import JobContext


@dataclass
class Wire:
    hub: TwilioHub
    twilio: TwilioRecorder
    sms: SmsChannel

    async def report(self, sid: str, status: str, **fields: str) -> None:
        """Post Twilio's status callback for the last message sent, to the URL the hub gave Twilio for it."""
        url = urlsplit(self.twilio.forms[-1]["StatusCallback"])
        form = {"MessageSid": sid, "MessageStatus": status, "AccountSid": ACCOUNT_SID, **fields}
        response = await self.hub.post(url.path, form, query=dict(parse_qsl(url.query)))
        assert response.status_code == 200


@asynccontextmanager
async def wired(ctx: JobContext, prism_url: str) -> AsyncIterator[Wire]:
    async with twilio_recorder(prism_url) as twilio, twilio_hub(ctx, twilio.url) as hub:
        config = twilio_config(with_twilio(ctx.settings, twilio.url))
        assert config is not None
        sms = SmsChannel(config)
        try:
            yield Wire(hub, twilio, sms)
        finally:
            await sms.aclose()


class ReportsBeforeReturning:
    """The SMS channel, with Twilio's status callbacks arriving while the send job still waits for the API's
    answer: when the hub hears of the SID first from the callback."""

    name = ChannelName.SMS

    def __init__(self, wire: Wire, statuses: list[dict[str, str]]) -> None:
        self.wire, self.statuses = wire, statuses

    def parse(self, raw: bytes) -> list[InboundMessage]:
        return self.wire.sms.parse(raw)

    async def send(self, outbound: OutboundMessage) -> str:
        sid = await self.wire.sms.send(outbound)
        for fields in self.statuses:
            await self.wire.report(sid, **fields)
        return sid


async def reply(ctx: JobContext) -> int:
    first = await ingest(ctx, inbound(ChannelName.SMS, "SM1"))
    return (await do_reply(ctx.store, conversation_id=first.conversation_id, agent_id=None, text="Booked.")).message_id


async def stored(ctx: JobContext, message_id: int) -> Message:
    async with ctx.store.read() as session:
        row = await session.get(Message, message_id)
    assert row is not None
    return row


async def status_reports(ctx: JobContext) -> list[str]:
    async with ctx.store.read() as session:
        found = await session.execute(select(Event).where(Event.kind == "message.status").order_by(Event.id))
    return [event.data["status"] for event in found.scalars()]


async def test_a_callback_before_the_sid_is_recorded_matches_by_message_id_and_records_the_sid(
    ctx: JobContext, jobs: JobDriver, prism_url: str
) -> None:
    async with wired(ctx, prism_url) as wire:
        ctx.channels.register(ReportsBeforeReturning(wire, [{"status": "sent"}, {"status": "delivered"}]))
        message_id = await reply(ctx)
        await jobs.drain()
    [sent] = wire.twilio.forms
    sid = f"SM{1:032x}"  # the proxy's first fresh SID
    assert sent["StatusCallback"].endswith(f"/channels/twilio/sms/status?message_id={message_id}")
    row = await stored(ctx, message_id)
    # The SID came from the callback first; the job's later record of it did not move "delivered" back.
    assert (row.external_id, row.delivery_status) == (sid, "delivered")
    assert row.sent_at is not None
    assert await status_reports(ctx) == ["sent", "delivered"]


async def test_a_failure_reported_before_the_sid_is_recorded_survives_the_send_record(
    ctx: JobContext, jobs: JobDriver, prism_url: str
) -> None:
    async with wired(ctx, prism_url) as wire:
        ctx.channels.register(ReportsBeforeReturning(wire, [{"status": "undelivered", "ErrorCode": "30003"}]))
        message_id = await reply(ctx)
        await jobs.drain()
    row = await stored(ctx, message_id)
    assert (row.external_id, row.delivery_status) == (f"SM{1:032x}", "failed")
    assert row.failure_reason == "The customer's phone is unreachable (switched off or out of coverage)."
    assert row.details["error_code"] == "30003"


async def test_a_callback_after_the_sid_is_recorded_matches_as_before(
    ctx: JobContext, jobs: JobDriver, prism_url: str
) -> None:
    async with wired(ctx, prism_url) as wire:
        ctx.channels.register(wire.sms)
        message_id = await reply(ctx)
        await jobs.drain()
        recorded = await stored(ctx, message_id)
        assert recorded.delivery_status == "sent" and recorded.external_id
        await wire.report(recorded.external_id, "delivered")
        # A stray report for another SID that names the same message is not about this send.
        await wire.report(f"SM{99:032x}", "failed", ErrorCode="30005")
    row = await stored(ctx, message_id)
    assert (row.external_id, row.delivery_status, row.failure_reason) == (recorded.external_id, "delivered", None)
    assert await status_reports(ctx) == ["delivered"]

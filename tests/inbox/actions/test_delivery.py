"""Status reports matched to the messages they concern, whichever arrives first: the report or the send job's
record of the network's id."""

from __future__ import annotations

from channels.base import ChannelName, DeliveryStatus, DeliveryUpdate
from inbox.actions.delivery import do_apply_delivery_update, do_mark_sending, do_mark_sent
from inbox.actions.reply import do_reply
from inbox.models import Message
from tests.support.factories import inbound, ingest
from workers.context import JobContext

SID = "SM" + "a" * 32
OTHER_SID = "SM" + "b" * 32


async def sms_reply(ctx: JobContext) -> int:
    first = await ingest(ctx, inbound(ChannelName.SMS, "SM1"))
    outcome = await do_reply(ctx.store, conversation_id=first.conversation_id, agent_id=None, text="On its way.")
    return outcome.message_id


async def message(ctx: JobContext, message_id: int) -> Message:
    async with ctx.store.read() as session:
        row = await session.get(Message, message_id)
    assert row is not None
    return row


def report(status: DeliveryStatus, sid: str, message_id: int | None, **fields: str) -> DeliveryUpdate:
    reference = f"message:{message_id}" if message_id is not None else None
    return DeliveryUpdate(ChannelName.SMS, status, external_id=sid, reference=reference, **fields)


async def test_a_report_before_the_sid_was_recorded_is_matched_by_the_message_id(ctx: JobContext) -> None:
    message_id = await sms_reply(ctx)
    await do_mark_sending(ctx.store, message_id)
    assert await do_apply_delivery_update(ctx.store, report(DeliveryStatus.DELIVERED, SID, message_id)) == message_id
    early = await message(ctx, message_id)
    assert (early.delivery_status, early.external_id) == ("delivered", SID)
    # The send job records what Twilio answered only now; the delivery it was told about stays.
    await do_mark_sent(ctx.store, message_id, SID)
    late = await message(ctx, message_id)
    assert (late.delivery_status, late.external_id) == ("delivered", SID)
    assert late.sent_at is not None


async def test_a_failure_reported_first_is_not_undone_by_the_send_record(ctx: JobContext) -> None:
    message_id = await sms_reply(ctx)
    await do_mark_sending(ctx.store, message_id)
    failed = report(DeliveryStatus.FAILED, SID, message_id, error_code="30003", reason="unreachable")
    await do_apply_delivery_update(ctx.store, failed)
    await do_mark_sent(ctx.store, message_id, SID)
    row = await message(ctx, message_id)
    assert (row.delivery_status, row.failure_reason, row.details["error_code"]) == ("failed", "unreachable", "30003")


async def test_a_report_after_the_sid_was_recorded_is_matched_by_the_sid(ctx: JobContext) -> None:
    message_id = await sms_reply(ctx)
    await do_mark_sending(ctx.store, message_id)
    await do_mark_sent(ctx.store, message_id, SID)
    # No message id in the URL at all: the SID alone finds it.
    assert await do_apply_delivery_update(ctx.store, report(DeliveryStatus.DELIVERED, SID, None)) == message_id
    row = await message(ctx, message_id)
    assert (row.delivery_status, row.external_id) == ("delivered", SID)


async def test_a_report_about_another_sid_of_a_recorded_message_is_not_applied(ctx: JobContext) -> None:
    message_id = await sms_reply(ctx)
    await do_mark_sending(ctx.store, message_id)
    await do_mark_sent(ctx.store, message_id, SID)
    stray = report(DeliveryStatus.FAILED, OTHER_SID, message_id, reason="not ours")
    assert await do_apply_delivery_update(ctx.store, stray) is None
    row = await message(ctx, message_id)
    assert (row.delivery_status, row.external_id, row.failure_reason) == ("sent", SID, None)


async def test_the_message_id_must_name_an_outbound_message_of_the_reporting_channel(ctx: JobContext) -> None:
    message_id = await sms_reply(ctx)
    inbound_id = (await ingest(ctx, inbound(ChannelName.SMS, "SM2"))).message_id
    await do_mark_sending(ctx.store, message_id)
    assert await do_apply_delivery_update(ctx.store, report(DeliveryStatus.DELIVERED, SID, inbound_id)) is None
    on_email = DeliveryUpdate(
        ChannelName.EMAIL, DeliveryStatus.DELIVERED, external_id=SID, reference=f"message:{message_id}"
    )
    assert await do_apply_delivery_update(ctx.store, on_email) is None
    assert await do_apply_delivery_update(ctx.store, report(DeliveryStatus.DELIVERED, SID, 999_999)) is None
    row = await message(ctx, message_id)
    assert (row.delivery_status, row.external_id) == ("sending", None)

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from inbox.actions.customer_edit import CustomerEdit, do_edit_customer
from inbox.actions.reply import do_reply
from inbox.actions.status import do_set_status
from inbox.actions.transfer import do_assign_manually
from inbox.actions.webhook_deliveries import do_redeliver_webhook
from inbox.actions.webhook_endpoints import do_create_webhook_endpoint, do_update_webhook_endpoint
from inbox.models import Contact, DeadLetter, OutboxJob, WebhookDelivery
from inbox.settings import Settings
from tests.support.factories import add_agent, inbound, ingest
from tests.support.jobs import JobDriver
from tests.support.privacy import KEY_A, with_keys
from tests.support.webhook_receiver import HANG, Receiver, verify
from workers.context import JobContext

SECRET = "a-test-secret-of-enough-length"
ROOT = Path(__file__).resolve().parents[3]
ALL = ["message.created", "conversation.assigned", "conversation.transferred", "conversation.status_changed"]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Sealed customer fields need a key; with one, the test can prove they never reach a receiver.
    return with_keys(settings, KEY_A)


async def _deliveries(ctx: JobContext) -> list[WebhookDelivery]:
    async with ctx.store.read() as session:
        return list((await session.execute(select(WebhookDelivery).order_by(WebhookDelivery.id))).scalars())


async def test_an_inbound_message_is_posted_signed_to_each_subscriber(ctx: JobContext, jobs: JobDriver) -> None:
    async with Receiver() as first, Receiver() as second:
        await do_create_webhook_endpoint(
            ctx.store, url=first.url, events=["message.created"], secret=SECRET, actor_agent_id=None
        )
        other = await do_create_webhook_endpoint(ctx.store, url=second.url, events=ALL, actor_agent_id=None)
        outcome = await ingest(ctx, inbound(text="Where is my refund?"))
        await jobs.drain()
        now = int(time.time())
        assert len(first.requests) == 1 and len(second.requests) == 1
        received = first.requests[0]
        assert verify(received, SECRET, now=now)
        assert verify(second.requests[0], other.secret, now=now)
        assert not verify(received, "not-the-secret-at-all", now=now)
        assert not verify(received, SECRET, now=now + 301), "outside the replay window"
        document = received.document
        assert document["type"] == "message.created"
        assert received.headers["x-hub-event-id"] == document["id"] == second.requests[0].document["id"]
        assert received.headers["x-hub-event"] == "message.created"
        assert received.headers["idempotency-key"] == document["id"]
        data = document["data"]
        assert data["message"]["id"] == outcome.message_id and data["message"]["direction"] == "inbound"
        assert data["message"]["text"] == "Where is my refund?"
        assert data["conversation"]["id"] == outcome.conversation_id
        assert data["contact"]["id"] == outcome.contact_id
    deliveries = await _deliveries(ctx)
    assert [(d.status, d.attempts, d.response_code) for d in deliveries] == [("succeeded", 1, 200)] * 2


async def test_replies_assignments_and_status_changes_are_told_but_notes_are_not(
    ctx: JobContext, jobs: JobDriver
) -> None:
    first = await ingest(ctx, inbound())
    agent_id = await add_agent(ctx, team="Front desk")
    await jobs.drain()
    async with Receiver() as receiver:
        await do_create_webhook_endpoint(ctx.store, url=receiver.url, events=ALL, actor_agent_id=None)
        reply = await do_reply(ctx.store, conversation_id=first.conversation_id, agent_id=None, text="On its way.")
        await do_reply(ctx.store, conversation_id=first.conversation_id, agent_id=None, text="VIP guest", note=True)
        await do_assign_manually(
            ctx.store, conversation_id=first.conversation_id, agent_id=agent_id, actor_agent_id=agent_id
        )
        await do_set_status(ctx.store, conversation_id=first.conversation_id, status="pending", actor_agent_id=agent_id)
        await jobs.drain()
        documents = sorted((r.document for r in receiver.requests), key=lambda d: str(d["type"]))
    assert [d["type"] for d in documents] == [
        "conversation.status_changed",
        "conversation.transferred",
        "message.created",
    ]
    status, transfer, message = documents
    assert status["data"]["previous_status"] == "open" and status["data"]["status"] == "pending"
    assert status["data"]["conversation"]["status"] == "pending"
    assert transfer["data"]["assignee_id"] == agent_id and transfer["data"]["previous_team_id"] is None
    assert message["data"]["message"]["id"] == reply.message_id
    assert message["data"]["message"]["direction"] == "outbound"
    assert all("VIP guest" not in r.body.decode() for r in receiver.requests)


async def test_a_failing_receiver_is_retried_then_dead_lettered_and_can_be_redelivered(
    ctx: JobContext, jobs: JobDriver
) -> None:
    async with Receiver(answers=[500, 502]) as flaky, Receiver(default=500) as broken:
        await do_create_webhook_endpoint(ctx.store, url=flaky.url, events=ALL, secret=SECRET, actor_agent_id=None)
        await do_create_webhook_endpoint(ctx.store, url=broken.url, events=ALL, secret=SECRET, actor_agent_id=None)
        await ingest(ctx, inbound())
        await jobs.drain()
        assert [r.headers["x-hub-event-id"] for r in flaky.requests] == [flaky.requests[0].document["id"]] * 3
        assert all(verify(r, SECRET, now=int(time.time())) for r in flaky.requests)
        attempts = ctx.settings.jobs.max_attempts
        assert len(broken.requests) == attempts
        recovered, dead = await _deliveries(ctx)
        assert (recovered.status, recovered.attempts, recovered.response_code) == ("succeeded", 3, 200)
        assert (dead.status, dead.attempts, dead.response_code) == ("dead", attempts, 500)
        assert dead.last_error is not None and "answered 500" in dead.last_error
        async with ctx.store.read() as session:
            letters = (await session.execute(select(DeadLetter))).scalars().all()
        assert [letter.job for letter in letters] == ["webhook_delivery"]
        broken.default = 200
        assert await do_redeliver_webhook(ctx.store, delivery_id=dead.id, actor_agent_id=None)
        await jobs.drain()
        assert len(broken.requests) == attempts + 1
        assert broken.requests[-1].body == broken.requests[0].body
    _, redelivered = await _deliveries(ctx)
    assert (redelivered.status, redelivered.attempts, redelivered.response_code) == ("succeeded", attempts + 1, 200)


async def test_sealed_customer_fields_never_leave_in_a_webhook(ctx: JobContext, jobs: JobDriver) -> None:
    first = await ingest(ctx, inbound())
    async with ctx.store.write() as session:
        contact = await session.get(Contact, first.contact_id)
        assert contact is not None
        contact.id_document_number = "G12345678-PASSPORT"
        contact.health_notes = "peanut allergy, severe"
        contact.family_details = "travels with twin daughters"
        contact.date_of_birth = date(1971, 3, 9)
        contact.attributes = {"passport_note": "expires-in-2031-secretly", "room": "sea view"}
    await jobs.drain()
    async with Receiver() as receiver:
        await do_create_webhook_endpoint(ctx.store, url=receiver.url, events=ALL, actor_agent_id=None)
        await ingest(ctx, inbound(external_id="m2@example.com", text="And my booking?"))
        await jobs.drain()
        body = receiver.requests[0].body.decode()
    assert receiver.requests[0].document["data"]["contact"]["id"] == first.contact_id
    for secret in ("G12345678", "peanut", "twin daughters", "1971", "expires-in-2031", "hub1:"):
        assert secret not in body


async def test_no_event_is_written_when_nobody_subscribes(ctx: JobContext, jobs: JobDriver) -> None:
    async with Receiver() as receiver:
        created = await do_create_webhook_endpoint(
            ctx.store, url=receiver.url, events=["conversation.status_changed"], actor_agent_id=None
        )
        await ingest(ctx, inbound())
        await do_update_webhook_endpoint(
            ctx.store, endpoint_id=created.endpoint_id, events=["message.created"], active=False, actor_agent_id=None
        )
        await ingest(ctx, inbound(external_id="m2@example.com"))
        await jobs.drain()
        assert receiver.requests == []
    async with ctx.store.read() as session:
        events = (await session.execute(select(OutboxJob).where(OutboxJob.job == "webhook_event"))).scalars().all()
    assert events == []


async def test_a_worker_killed_mid_delivery_loses_nothing(ctx: JobContext, jobs: JobDriver, tmp_path: Path) -> None:
    # Every request is held open until the worker is dead: it dies mid-delivery whatever its timing.
    async with Receiver(default=HANG) as receiver:
        await do_create_webhook_endpoint(ctx.store, url=receiver.url, events=ALL, secret=SECRET, actor_agent_id=None)
        await ingest(ctx, inbound())
        async with ctx.store.write() as session:
            # Routing is not what this test is about; only the webhook jobs should be in play.
            for job in (await session.execute(select(OutboxJob).where(OutboxJob.job == "route"))).scalars():
                job.status = "done"
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.support.doomed_runner",
            ctx.store.url,
            str(ctx.settings.data_dir),
            str(tmp_path / "unused-marker"),
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        try:
            # The doomed runner fans the event out and starts the delivery; the receiver holds the request open.
            await asyncio.wait_for(receiver.arrived.wait(), timeout=60)
        finally:
            process.send_signal(signal.SIGKILL)
            await process.wait()
        (delivery,) = await _deliveries(ctx)
        assert delivery.status == "pending" and delivery.attempts >= 1
        receiver.default = 200
        # The killed runner leased its job for one second; once that runs out, the job is taken up again.
        await asyncio.sleep(1.2)
        await jobs.drain()
        *cut_off, delivered = receiver.requests
        assert cut_off, "the first attempt never finished"
        assert {r.body for r in receiver.requests} == {delivered.body}
        assert {r.headers["x-hub-event-id"] for r in receiver.requests} == {delivered.document["id"]}
        assert verify(delivered, SECRET, now=int(time.time()))
    (delivery,) = await _deliveries(ctx)
    assert (delivery.status, delivery.response_code) == ("succeeded", 200)
    assert delivery.attempts == len(receiver.requests)


async def test_the_routers_assignment_is_told(ctx: JobContext, jobs: JobDriver) -> None:
    agent_id = await add_agent(ctx, team="Front desk")
    async with Receiver() as receiver:
        await do_create_webhook_endpoint(
            ctx.store, url=receiver.url, events=["conversation.assigned"], actor_agent_id=None
        )
        outcome = await ingest(ctx, inbound())
        await jobs.drain()
        (received,) = receiver.requests
    data = received.document["data"]
    assert received.document["type"] == "conversation.assigned"
    assert data["conversation_id"] == outcome.conversation_id and data["assignee_id"] == agent_id
    assert data["previous_assignee_id"] is None and data["conversation"]["assignee_id"] == agent_id


async def test_customers_created_and_edited_are_told_without_sealed_values(ctx: JobContext, jobs: JobDriver) -> None:
    admin = await add_agent(ctx, "Root Admin", role="admin")
    async with Receiver() as receiver:
        await do_create_webhook_endpoint(
            ctx.store, url=receiver.url, events=["contact.created", "contact.updated"], actor_agent_id=None
        )
        first = await ingest(ctx, inbound())
        await ingest(ctx, inbound(external_id="m2@example.com"))
        edit = CustomerEdit(name="Alice Wong", attributes={"passport_note": "E99887766-renewal"})
        assert await do_edit_customer(ctx.store, first.contact_id, edit, actor_agent_id=admin)
        await jobs.drain()
        documents = sorted((r.document for r in receiver.requests), key=lambda d: str(d["type"]))
        bodies = "".join(r.body.decode() for r in receiver.requests)
    assert [d["type"] for d in documents] == ["contact.created", "contact.updated"]
    created, updated = documents
    assert created["data"]["contact"]["id"] == first.contact_id
    assert updated["data"]["fields"] == ["name", "attributes.passport_note"]
    assert updated["data"]["contact"]["name"] == "Alice Wong" and updated["data"]["actor_agent_id"] == admin
    assert "E99887766" not in bodies

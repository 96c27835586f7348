"""The life of an outgoing webhook delivery: fanned out from an event, attempted, recorded, dead-lettered, and
redelivered by hand. Every step may run twice (jobs may), so each checks the delivery's state first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select

from inbox import audit, outbox
from inbox.models import DeliveryStatus, OutboxJob, WebhookDelivery, WebhookEndpoint, utcnow
from inbox.store import Store
from inbox.upsert import insert_ignoring_conflict
from inbox.webhook_payloads import event_body, event_data

DELIVERY_JOB = "webhook_delivery"
# Kept of a receiver's error answer: enough to tell what went wrong, never a whole page.
ERROR_CHARS = 500


def delivery_job_key(delivery_id: int, generation: int) -> str:
    return f"{DELIVERY_JOB}:{delivery_id}:{generation}"


async def do_fan_out_webhook_event(store: Store, event: dict[str, Any]) -> int:
    """One delivery (and its job) per active endpoint subscribed to the event's kind; returns how many exist."""
    kind = str(event["kind"])
    event_id = str(event["event_id"])
    async with store.write() as session:
        endpoints = (await session.execute(select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True)))).scalars()
        wanted = [endpoint.id for endpoint in endpoints if kind in (endpoint.events or [])]
        if not wanted:
            return 0
        data = await event_data(session, kind, dict(event["data"]))
        if data is None:
            return 0
        body = event_body(event_id, kind, str(event["occurred_at"]), data)
        contact_id = data["contact"]["id"] if data.get("contact") else None
        now = utcnow()
        rows = [
            {
                "event_id": event_id,
                "event_kind": kind,
                "endpoint_id": endpoint_id,
                "contact_id": contact_id,
                "body": body,
                "status": DeliveryStatus.PENDING.value,
                "attempts": 0,
                "generation": 0,
                "created_at": now,
            }
            for endpoint_id in wanted
        ]
        await insert_ignoring_conflict(session, WebhookDelivery, rows, ["event_id", "endpoint_id"])
        ids = (
            (await session.execute(select(WebhookDelivery.id).where(WebhookDelivery.event_id == event_id)))
            .scalars()
            .all()
        )
        jobs = [
            {
                "job": DELIVERY_JOB,
                "key": delivery_job_key(delivery_id, 0),
                "payload": {"delivery_id": delivery_id, "generation": 0},
                "status": "pending",
                "attempts": 0,
                "run_after": now,
                "created_at": now,
            }
            for delivery_id in ids
        ]
        await insert_ignoring_conflict(session, OutboxJob, jobs, ["key"])
        session.info["queued_jobs"] = True
        return len(ids)


@dataclass(frozen=True, slots=True)
class WebhookAttempt:
    delivery_id: int
    event_id: str
    event_kind: str
    url: str
    secret: str
    body: str
    attempt: int


async def do_begin_webhook_attempt(store: Store, delivery_id: int, generation: int) -> WebhookAttempt | None:
    """Count an attempt and hand back what to send; None when there is nothing to do (already delivered, or
    superseded by a redelivery, or the endpoint is gone or switched off)."""
    async with store.write() as session:
        delivery = await session.get(WebhookDelivery, delivery_id)
        if delivery is None or delivery.generation != generation:
            return None
        if delivery.status in (DeliveryStatus.SUCCEEDED.value, DeliveryStatus.DEAD.value):
            return None
        endpoint = await session.get(WebhookEndpoint, delivery.endpoint_id)
        if endpoint is None:
            return None
        if not endpoint.active:
            delivery.status = DeliveryStatus.DEAD.value
            delivery.last_error = "the endpoint was switched off before this could be delivered"
            return None
        delivery.attempts += 1
        delivery.last_attempt_at = utcnow()
        return WebhookAttempt(
            delivery.id,
            delivery.event_id,
            delivery.event_kind,
            endpoint.url,
            endpoint.secret,
            delivery.body,
            delivery.attempts,
        )


async def do_record_webhook_attempt(
    store: Store, delivery_id: int, *, response_code: int | None, error: str | None
) -> None:
    """Succeeded when ``error`` is None; otherwise left for the retry (or the dead-letter hook)."""
    async with store.write() as session:
        delivery = await session.get(WebhookDelivery, delivery_id)
        if delivery is None:
            return
        delivery.response_code = response_code
        if error is None:
            delivery.status = DeliveryStatus.SUCCEEDED.value
            delivery.delivered_at = utcnow()
            delivery.last_error = None
        else:
            delivery.status = DeliveryStatus.RETRYING.value
            delivery.last_error = error[:ERROR_CHARS]


async def do_bury_webhook_delivery(store: Store, delivery_id: int, generation: int, error: str) -> None:
    """The retries ran out: the delivery is dead until someone redelivers it."""
    async with store.write() as session:
        delivery = await session.get(WebhookDelivery, delivery_id)
        if delivery is None or delivery.generation != generation or delivery.status == DeliveryStatus.SUCCEEDED.value:
            return
        delivery.status = DeliveryStatus.DEAD.value
        delivery.last_error = error[:ERROR_CHARS]
        audit.record(
            session,
            "webhook.dead",
            endpoint_id=delivery.endpoint_id,
            delivery_id=delivery.id,
            event_id=delivery.event_id,
            attempts=delivery.attempts,
        )


async def do_redeliver_webhook(store: Store, *, delivery_id: int, actor_agent_id: int | None) -> bool:
    """Send the same event (same id and body) again, whatever happened before; False when it does not exist."""
    async with store.write() as session:
        delivery = await session.get(WebhookDelivery, delivery_id)
        if delivery is None:
            return False
        delivery.generation += 1
        delivery.status = DeliveryStatus.PENDING.value
        await outbox.enqueue(
            session,
            DELIVERY_JOB,
            delivery_job_key(delivery.id, delivery.generation),
            {"delivery_id": delivery.id, "generation": delivery.generation},
        )
        audit.record(
            session,
            "webhook.redelivered",
            actor_agent_id=actor_agent_id,
            endpoint_id=delivery.endpoint_id,
            delivery_id=delivery.id,
            event_id=delivery.event_id,
        )
        return True


async def do_purge_webhook_log(store: Store, *, older_than: timedelta, batch_size: int = 1000) -> int:
    """Delete finished deliveries (succeeded or dead) created longer ago than ``older_than``, in batches; ones
    still under way are left. Returns how many went."""
    cutoff = utcnow() - older_than
    finished = (DeliveryStatus.SUCCEEDED.value, DeliveryStatus.DEAD.value)
    removed = 0
    while True:
        async with store.write() as session:
            ids = (
                (
                    await session.execute(
                        select(WebhookDelivery.id)
                        .where(WebhookDelivery.created_at < cutoff, WebhookDelivery.status.in_(finished))
                        .order_by(WebhookDelivery.id)
                        .limit(batch_size)
                    )
                )
                .scalars()
                .all()
            )
            if ids:
                await session.execute(delete(WebhookDelivery).where(WebhookDelivery.id.in_(ids)))
        removed += len(ids)
        if len(ids) < batch_size:
            return removed

"""Outgoing webhooks: fanning an event out to its subscribers, and POSTing one signed delivery.

A receiver that answers anything but 2xx, answers too slowly or cannot be reached raises a transient error, so
the job retry policy (exponential back-off with jitter) tries again until it runs out; then the delivery is
marked dead and stays in the log for a manual redelivery. Deliveries are at least once: a worker that dies after
the receiver got the request sends it again, with the same event id for the receiver to drop the duplicate.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import httpx

from channels.base import TransientChannelError
from inbox.actions.webhook_deliveries import (
    do_begin_webhook_attempt,
    do_bury_webhook_delivery,
    do_fan_out_webhook_event,
    do_purge_webhook_log,
    do_record_webhook_attempt,
)
from inbox.webhook_signature import (
    DELIVERY_HEADER,
    EVENT_ID_HEADER,
    EVENT_KIND_HEADER,
    SIGNATURE_HEADER,
    signature_header,
)
from workers.context import JobContext

USER_AGENT = "ContactHub-Webhooks/1"


async def fan_out(ctx: JobContext, payload: dict[str, Any]) -> None:
    await do_fan_out_webhook_event(ctx.store, payload)


async def deliver(ctx: JobContext, payload: dict[str, Any]) -> None:
    delivery_id, generation = int(payload["delivery_id"]), int(payload.get("generation", 0))
    attempt = await do_begin_webhook_attempt(ctx.store, delivery_id, generation)
    if attempt is None:
        return
    body = attempt.body.encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: signature_header(attempt.secret, int(time.time()), body),
        EVENT_ID_HEADER: attempt.event_id,
        EVENT_KIND_HEADER: attempt.event_kind,
        DELIVERY_HEADER: f"{attempt.delivery_id}.{attempt.attempt}",
        # The common name receivers' frameworks already understand for dropping duplicates.
        "Idempotency-Key": attempt.event_id,
    }
    timeout = ctx.settings.webhooks.timeout_seconds
    error: str | None
    code: int | None
    try:
        # Redirects are not followed: a signed body must not be replayed to a place nobody registered.
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
            response = await client.post(attempt.url, content=body, headers=headers)
    except httpx.TimeoutException:
        error, code = f"no answer within {timeout:g} seconds", None
    except httpx.HTTPError as failure:
        error, code = f"could not reach the endpoint: {type(failure).__name__}: {failure}", None
    else:
        code = response.status_code
        error = None if 200 <= code < 300 else f"the endpoint answered {code}: {response.text[:200]}"
    await do_record_webhook_attempt(ctx.store, attempt.delivery_id, response_code=code, error=error)
    if error is not None:
        raise TransientChannelError(error)


async def on_exhausted(ctx: JobContext, payload: dict[str, Any], error: str) -> None:
    attempts = ctx.retry.max_attempts
    await do_bury_webhook_delivery(
        ctx.store,
        int(payload["delivery_id"]),
        int(payload.get("generation", 0)),
        f"gave up after {attempts} attempts: {error}",
    )


async def purge_log(ctx: JobContext, payload: dict[str, Any]) -> None:
    del payload
    await do_purge_webhook_log(ctx.store, older_than=timedelta(days=ctx.settings.webhooks.delivery_log_days))

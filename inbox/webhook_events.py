"""Emitting outgoing-webhook events from inside a change's own transaction.

An action that changes something worth telling calls ``enqueue_webhook_events`` in its unit of work: one outbox
row per event is written with the change, so a crash after the commit loses no event. The row holds only what
the event is about (ids, before and after); the ``webhook_event`` job turns it into the signed document for each
subscribed endpoint. When no active endpoint wants that kind of event nothing is written at all, and which kinds
are wanted is remembered per process for a few seconds, so the hot paths (ingest above all) pay no query for it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession

from inbox.models import OutboxJob, WebhookEndpoint, utcnow
from inbox.store import Store
from inbox.upsert import insert_ignoring_conflict

MESSAGE_CREATED = "message.created"
CONVERSATION_ASSIGNED = "conversation.assigned"
CONVERSATION_TRANSFERRED = "conversation.transferred"
CONVERSATION_STATUS_CHANGED = "conversation.status_changed"
CONTACT_CREATED = "contact.created"
CONTACT_UPDATED = "contact.updated"
EVENT_KINDS = (
    MESSAGE_CREATED,
    CONVERSATION_ASSIGNED,
    CONVERSATION_TRANSFERRED,
    CONVERSATION_STATUS_CHANGED,
    CONTACT_CREATED,
    CONTACT_UPDATED,
)
FAN_OUT_JOB = "webhook_event"
DEFAULT_CACHE_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class _Known:
    kinds: frozenset[str]
    loaded_at: float


# Keyed by engine: each store (and each test's store) has its own, and a disposed store's entry goes with it.
_known: WeakKeyDictionary[Engine, _Known] = WeakKeyDictionary()
_ttl: WeakKeyDictionary[Engine, float] = WeakKeyDictionary()


def configure_subscription_cache(store: Store) -> None:
    """Use the store's configured freshness for its engines (otherwise ``DEFAULT_CACHE_SECONDS``)."""
    for engine in {store.reader, store.writer}:
        _ttl[engine.sync_engine] = store.settings.webhooks.subscription_cache_seconds


def _engine(session: AsyncSession) -> Engine:
    bind = session.bind
    assert bind is not None, "sessions of the store are always bound to an engine"
    return bind.sync_engine


async def subscribed_kinds(session: AsyncSession) -> frozenset[str]:
    """The event kinds at least one active endpoint subscribes to, at most a few seconds old."""
    engine = _engine(session)
    known = _known.get(engine)
    now = time.monotonic()
    if known is not None and now - known.loaded_at < _ttl.get(engine, DEFAULT_CACHE_SECONDS):
        return known.kinds
    lists = (await session.execute(select(WebhookEndpoint.events).where(WebhookEndpoint.active.is_(True)))).scalars()
    kinds = frozenset(kind for events in lists for kind in events)
    _known[engine] = _Known(kinds, now)
    return kinds


def forget_subscriptions(store: Store) -> None:
    """After endpoints changed (and committed): the next event in this process looks again."""
    for engine in {store.reader, store.writer}:
        _known.pop(engine.sync_engine, None)


async def enqueue_webhook_events(session: AsyncSession, kind: str, payloads: Sequence[Mapping[str, Any]]) -> int:
    """Queue one event of ``kind`` per payload in the caller's transaction (one statement however many);
    returns how many were queued (0 when nobody subscribes)."""
    if not payloads or kind not in await subscribed_kinds(session):
        return 0
    now = utcnow()
    rows = []
    for payload in payloads:
        event_id = f"evt_{uuid.uuid4().hex}"
        rows.append(
            {
                "job": FAN_OUT_JOB,
                "key": f"{FAN_OUT_JOB}:{event_id}",
                "payload": {"event_id": event_id, "kind": kind, "occurred_at": now.isoformat(), "data": dict(payload)},
                "status": "pending",
                "attempts": 0,
                "run_after": now,
                "created_at": now,
            }
        )
    await insert_ignoring_conflict(session, OutboxJob, rows, ["key"])
    session.info["queued_jobs"] = True
    return len(rows)

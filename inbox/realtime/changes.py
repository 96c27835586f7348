"""Live events for what a unit of work changed, published on the bus once, and only once, it has committed.

Every action writes its changes to the audit trail in the same transaction: assignments by hand or by the router,
work handed back to the queue, status changes, replies and notes, replies sent or failed, presence. The agents'
live inbox needs exactly those changes, and only if they committed. So they are read off the audit rows as the
session flushes them and published after the commit; a rollback drops them. Writers of any action, job or drain
need no call of their own.

Only a store with a bus attached (a process that serves agents, or a worker that should reach them) pays for
this; elsewhere the listener returns at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.orm.util import identity_key

from inbox.models import Event as AuditEvent
from inbox.models import Message
from inbox.realtime.bus import Bus, Event
from inbox.realtime.preview import preview
from inbox.realtime.topics import INBOX_TOPIC
from inbox.store import Store

log = logging.getLogger("hub.realtime")

_PENDING = "hub.live_events"
_AUDIT_TABLE_NAME = AuditEvent.__tablename__
_BUSES: WeakKeyDictionary[Engine, Bus] = WeakKeyDictionary()
# Publishing tasks are held here until done: the loop keeps only weak references to tasks.
_IN_FLIGHT: set[asyncio.Task[None]] = set()

Translate = Callable[[Session, AuditEvent], "dict[str, Any] | None"]


def attach_bus(store: Store, bus: Bus) -> None:
    """Publish the committed changes of this store's writers on ``bus``."""
    _BUSES[store.writer.sync_engine] = bus


def detach_bus(store: Store) -> None:
    _BUSES.pop(store.writer.sync_engine, None)


def _assigned(_session: Session, row: AuditEvent) -> dict[str, Any] | None:
    before, after = row.data.get("before") or {}, row.data.get("after") or {}
    return {
        "type": "conversation.assigned",
        "conversation_id": row.conversation_id,
        "assignee_id": after.get("agent_id"),
        "team_id": after.get("team_id"),
        "before_assignee_id": before.get("agent_id"),
        "before_team_id": before.get("team_id"),
        "by": row.actor_agent_id,
        "how": "by hand",
    }


def _routed(session: Session, row: AuditEvent) -> dict[str, Any] | None:
    if not row.data.get("assigned"):
        return None
    if row.data.get("offer_id") is not None:
        return _offer("open")(session, row)
    return {
        "type": "conversation.assigned",
        "conversation_id": row.conversation_id,
        "assignee_id": row.data.get("agent_id"),
        "before_assignee_id": None,
        "by": None,
        "how": "by the router",
    }


def _requeued(_session: Session, row: AuditEvent) -> dict[str, Any] | None:
    return {
        "type": "conversation.assigned",
        "conversation_id": row.conversation_id,
        "assignee_id": None,
        "before_assignee_id": row.data.get("agent_id"),
        "by": row.actor_agent_id,
        "how": "back to the queue",
    }


def _offer(status: str) -> Translate:
    """An offer opened or answered: the offered agent's screen rings with it, or stops ringing."""

    def translate(_session: Session, row: AuditEvent) -> dict[str, Any] | None:
        return {
            "type": "offer",
            "conversation_id": row.conversation_id,
            "offer_id": row.data.get("offer_id"),
            "agent_id": row.data.get("agent_id"),
            "status": status,
            "expires_at": row.data.get("expires_at") if status == "open" else None,
        }

    return translate


def _status(_session: Session, row: AuditEvent) -> dict[str, Any] | None:
    return {
        "type": "conversation.status",
        "conversation_id": row.conversation_id,
        "before": row.data.get("before"),
        "status": row.data.get("after"),
        "by": row.actor_agent_id,
    }


def _message(direction: str) -> Translate:
    def translate(session: Session, row: AuditEvent) -> dict[str, Any] | None:
        message_id = row.data.get("message_id")
        # The message was flushed before its audit row, so it is in the session's identity map: no query.
        message = session.identity_map.get(identity_key(Message, message_id)) if message_id else None
        return {
            "type": "message.created",
            "direction": direction,
            "conversation_id": row.conversation_id,
            "message_id": message_id,
            "channel": row.data.get("channel") or ("note" if direction == "internal" else None),
            "by": row.actor_agent_id,
            "preview": preview(message.text) if isinstance(message, Message) else "",
        }

    return translate


def _delivery(status: str) -> Translate:
    def translate(_session: Session, row: AuditEvent) -> dict[str, Any] | None:
        return {
            "type": "delivery",
            "conversation_id": row.conversation_id,
            "message_id": row.data.get("message_id"),
            "status": status,
            "reason": row.data.get("reason"),
        }

    return translate


def _presence(_session: Session, row: AuditEvent) -> dict[str, Any] | None:
    return {
        "type": "presence",
        "agent_id": row.data.get("agent_id"),
        "presence": row.data.get("after"),
        "before": row.data.get("before"),
        "reason": row.data.get("reason"),
    }


TRANSLATIONS: dict[str, Translate] = {
    "conversation.assigned": _assigned,
    "routing.decision": _routed,
    "routing.requeued": _requeued,
    "routing.offered": _offer("open"),
    "routing.offer_accepted": _offer("accepted"),
    "routing.offer_declined": _offer("declined"),
    "routing.offer_expired": _offer("expired"),
    "routing.offer_withdrawn": _offer("withdrawn"),
    "conversation.status_changed": _status,
    "message.queued": _message("outbound"),
    "note.added": _message("internal"),
    "message.sent": _delivery("sent"),
    "message.failed": _delivery("failed"),
    "agent.presence_changed": _presence,
}


def _bus_for(session: Session) -> Bus | None:
    if not _BUSES:
        return None
    try:
        bind = session.get_bind()
    except Exception:
        return None
    engine = bind if isinstance(bind, Engine) else getattr(bind, "engine", None)
    return _BUSES.get(engine) if engine is not None else None


@event.listens_for(Session, "after_flush")
def _collect(session: Session, _flush_context: Any) -> None:
    if _bus_for(session) is None:
        return
    pending: list[dict[str, Any]] = session.info.setdefault(_PENDING, [])
    for item in session.new:
        if isinstance(item, AuditEvent):
            translate = TRANSLATIONS.get(item.kind)
            translated = translate(session, item) if translate is not None else None
            if translated is not None:
                pending.append(translated)


@event.listens_for(Session, "do_orm_execute")
def _collect_bulk(state: ORMExecuteState) -> None:
    """Audit rows written set-based (one INSERT for many rows, as batch writers do) are announced too."""
    table = getattr(state.statement, "table", None)
    # An ORM statement names an annotated copy of the table; its name is what identifies it.
    if not state.is_insert or getattr(table, "name", None) != _AUDIT_TABLE_NAME:
        return
    if _bus_for(state.session) is None:
        return
    given = state.parameters
    rows = [given] if isinstance(given, Mapping) else [row for row in given or () if isinstance(row, Mapping)]
    pending: list[dict[str, Any]] = state.session.info.setdefault(_PENDING, [])
    for row in rows:
        translate = TRANSLATIONS.get(str(row.get("kind")))
        if translate is None:
            continue
        stand_in = AuditEvent(
            kind=row.get("kind"),
            actor_agent_id=row.get("actor_agent_id"),
            contact_id=row.get("contact_id"),
            conversation_id=row.get("conversation_id"),
            data=row.get("data") or {},
        )
        translated = translate(state.session, stand_in)
        if translated is not None:
            pending.append(translated)


@event.listens_for(Session, "after_commit")
def _publish(session: Session) -> None:
    events = session.info.pop(_PENDING, None)
    if not events:
        return
    bus = _bus_for(session)
    if bus is None:
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return
    task = loop.create_task(_send(bus, events))
    _IN_FLIGHT.add(task)
    task.add_done_callback(_IN_FLIGHT.discard)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)


async def _send(bus: Bus, events: list[Event]) -> None:
    # One task per commit, publishing in order, so a transfer is never overtaken by its own status change.
    for item in events:
        try:
            await bus.publish(INBOX_TOPIC, item)
        except Exception:
            # The change is committed; a missed live update is repaired by the page's next refresh.
            log.exception("could not announce %s", item.get("type"))


async def settled() -> None:
    """Wait until the changes committed so far are published (tests, and a clean shutdown)."""
    while _IN_FLIGHT:
        await asyncio.gather(*list(_IN_FLIGHT), return_exceptions=True)

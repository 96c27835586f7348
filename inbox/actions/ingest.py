"""Storing inbound messages: the one write path every channel's input goes through.

In one transaction per batch: find or create each customer by identity, thread into a conversation, store the
messages and their attachments, audit, and queue their routing. A batch costs a fixed number of statements
however many messages it holds, which is what lets the store keep up with a mail poller's batched FETCH or a burst
of webhooks. Idempotent on (channel, external id): the same message delivered twice, in one batch or by twenty
concurrent callers, is stored once.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, delete, insert, inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from channels.base import InboundMessage
from inbox.actions.quarantine import do_quarantine
from inbox.blobs import BlobStore
from inbox.contact_lookup import ContactMatch, resolve_contacts
from inbox.inbound_effects import (
    apply_consent_keywords,
    apply_service_recovery,
    is_voicemail_part,
    media_jobs,
    merge_voicemail_parts,
    request_callbacks,
)
from inbox.models import (
    Attachment,
    Contact,
    Conversation,
    ConversationStatus,
    Direction,
    Event,
    Message,
    OutboxJob,
    utcnow,
)
from inbox.raw_payloads import keep_raws, raw_row, too_large_to_inline
from inbox.route_jobs import queue_routing
from inbox.settings import Settings
from inbox.store import Store
from inbox.survey_answers import SURVEY_ANSWER, find_survey_answers
from inbox.threading import ThreadIndex
from inbox.upsert import insert_ignoring_conflict, insert_returning_on_conflict_skip
from inbox.webhook_events import CONTACT_CREATED, MESSAGE_CREATED, enqueue_webhook_events

MessageKey = tuple[str, str]


class IngestRejected(Exception):
    """The message cannot be stored as a conversation message; it was quarantined with this reason."""

    def __init__(self, reason: str, quarantine_id: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.quarantine_id = quarantine_id


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    message_id: int
    conversation_id: int
    contact_id: int
    created: bool
    new_conversation: bool = False
    thread_reason: str = ""


def _size_of(message: InboundMessage) -> int:
    body = len(message.text.encode()) + len((message.html or "").encode())
    return max(len(message.raw), body) + sum(item.size for item in message.attachments)


def _problem(message: InboundMessage, settings: Settings) -> str | None:
    if message.sender is None or not message.sender.value:
        return "the message has no usable sender identity (no address or number to answer)"
    if not message.external_id:
        return "the message has no external id, so a redelivery could not be recognised"
    limit = settings.ingest.max_body_bytes
    if (size := _size_of(message)) > limit:
        return f"the message is {size} bytes, over the configured limit of {limit} bytes"
    return None


def _key(message: InboundMessage) -> MessageKey:
    return (message.channel.value, message.external_id)


async def do_ingest(store: Store, blobs: BlobStore, settings: Settings, message: InboundMessage) -> IngestOutcome:
    """Store one message; raises ``IngestRejected`` (after quarantining it) when it cannot be stored."""
    (result,) = await do_ingest_batch(store, blobs, settings, [message])
    if isinstance(result, IngestRejected):
        raise result
    return result


async def do_ingest_batch(
    store: Store, blobs: BlobStore, settings: Settings, messages: Sequence[InboundMessage]
) -> list[IngestOutcome | IngestRejected]:
    """Store many messages in one transaction; one result per message, in order."""
    results: list[IngestOutcome | IngestRejected | None] = [None] * len(messages)
    accepted: list[int] = []
    for position, message in enumerate(messages):
        problem = _problem(message, settings)
        if problem is None:
            accepted.append(position)
            continue
        raw = message.raw or repr(message).encode()
        quarantine_id = await do_quarantine(store, blobs, settings, message.channel.value, raw, problem)
        results[position] = IngestRejected(problem, quarantine_id)
    if accepted:
        batch = [messages[position] for position in accepted]
        # Files first: a crash then leaves an unreferenced blob, never a row pointing at a missing file.
        limit = settings.ingest.inline_raw_max_bytes
        files = [m.raw for m in batch if too_large_to_inline(m.raw, limit)]
        await blobs.put_many(files + [a.data for m in batch for a in m.attachments])
        async with store.write() as session:
            stored = await _store_batch(session, settings, batch)
        for position, message in zip(accepted, batch, strict=True):
            results[position] = stored[_key(message)]
    return [result for result in results if result is not None]


async def _already_stored(session: AsyncSession, keys: set[MessageKey]) -> dict[MessageKey, IngestOutcome]:
    by_channel: dict[str, list[str]] = {}
    for channel, external_id in keys:
        by_channel.setdefault(channel, []).append(external_id)
    found: dict[MessageKey, IngestOutcome] = {}
    # One statement per channel (a batch rarely mixes them), each a lookup in the (channel, external id) index.
    for channel, external_ids in sorted(by_channel.items()):
        rows = await session.execute(_STORED_ON_CHANNEL, {"channel": channel, "external_ids": sorted(external_ids)})
        for stored_id, message_id, conversation_id, contact_id in rows.all():
            found[(channel, stored_id or "")] = IngestOutcome(message_id, conversation_id, contact_id, created=False)
    return found


# Built once: every batch asks it, and composing it anew cost more than the lookup itself.
_STORED_ON_CHANNEL = (
    select(Message.external_id, Message.id, Message.conversation_id, Conversation.contact_id)
    .join(Conversation, Conversation.id == Message.conversation_id)
    .where(Message.channel == bindparam("channel"), Message.external_id.in_(bindparam("external_ids", expanding=True)))
)


@dataclass
class _Placement:
    message: InboundMessage
    match: ContactMatch
    conversation: Conversation
    new_conversation: bool
    reason: str
    reopened: bool = False


async def _store_batch(
    session: AsyncSession, settings: Settings, messages: Sequence[InboundMessage]
) -> dict[MessageKey, IngestOutcome]:
    now = utcnow()
    unique: dict[MessageKey, InboundMessage] = {}
    for message in messages:
        unique.setdefault(_key(message), message)
    outcomes = await _already_stored(session, set(unique))
    await merge_voicemail_parts(
        session,
        {outcomes[key].message_id: m for key, m in unique.items() if key in outcomes and is_voicemail_part(m)},
    )
    fresh = [message for key, message in unique.items() if key not in outcomes]
    if not fresh:
        return outcomes
    matches = await resolve_contacts(session, [m.sender for m in fresh if m.sender is not None])
    contact_of = {sender: match.contact_id for sender, match in matches.items()}
    answers = await find_survey_answers(session, settings.satisfaction, fresh, contact_of, now)
    placements = await _place(session, settings, [m for m in fresh if _key(m) not in answers], matches, now)
    # A survey's answer joins the surveyed conversation as it is: not reopened, not routed.
    placements += [
        _Placement(m, matches[(m.sender.kind.value, m.sender.value)], answers[_key(m)], False, SURVEY_ANSWER)
        for m in fresh
        if _key(m) in answers and m.sender is not None
    ]
    inserted = await _insert_messages(session, placements, now)
    # Messages a concurrent writer stored first: drop what this batch created only for them.
    losers = [p for p in placements if _key(p.message) not in inserted]
    if losers:
        outcomes.update(await _already_stored(session, {_key(p.message) for p in losers}))
        orphans = {p.conversation.id for p in losers if p.new_conversation} - {
            p.conversation.id for p in placements if _key(p.message) in inserted
        }
        if orphans:
            await session.execute(delete(Conversation).where(Conversation.id.in_(orphans)))
    winners = [p for p in placements if _key(p.message) in inserted]
    await _record_side_rows(session, settings, winners, inserted, now)
    for placement in winners:
        message = placement.message
        outcomes[_key(message)] = IngestOutcome(
            inserted[_key(message)],
            placement.conversation.id,
            placement.match.contact_id,
            created=True,
            new_conversation=placement.new_conversation,
            thread_reason=placement.reason,
        )
    return outcomes


async def _place(
    session: AsyncSession,
    settings: Settings,
    messages: Sequence[InboundMessage],
    matches: dict[tuple[str, str], ContactMatch],
    now: datetime,
) -> list[_Placement]:
    window = timedelta(hours=settings.ingest.reopen_window_hours)
    contact_ids = {match.contact_id for match in matches.values()}
    index = await ThreadIndex.load(session, messages, contact_ids)
    placements: list[_Placement] = []
    created: list[Conversation] = []
    for message in messages:
        assert message.sender is not None
        match = matches[(message.sender.kind.value, message.sender.value)]
        choice = index.find(message, match.contact_id, now, window)
        conversation = choice.conversation
        if conversation is None:
            conversation = _new_conversation(message, match.contact_id, now)
            created.append(conversation)
        index.learn(message, match.contact_id, conversation)
        placement = _Placement(message, match, conversation, choice.conversation is None, choice.reason)
        placement.reopened = _touch_conversation(conversation, message, now)
        placements.append(placement)
    if created:
        await _insert_conversations(session, created)
    return placements


async def _insert_conversations(session: AsyncSession, created: Sequence[Conversation]) -> None:
    """Write the batch's new conversations in one INSERT and attach them to the session as stored rows.

    The unit of work would issue one INSERT per conversation on SQLite: it needs each new id matched to its
    object, and SQLite promises no order for the rows RETURNING gives back. Reply tokens are unique, so the ids
    are matched by token instead, whatever order they come in.
    """
    table = Conversation.__table__
    assert isinstance(table, Table)
    rows = [_conversation_row(conversation) for conversation in created]
    returned = await session.execute(insert(table).returning(table.c.id, table.c.reply_token), rows)
    ids = {token: conversation_id for conversation_id, token in returned.all()}
    for conversation in created:
        conversation.id = ids[conversation.reply_token]
        # Now a stored row, not a new object: later changes in this unit of work are flushed as UPDATEs.
        make_transient_to_detached(conversation)
        session.add(conversation)


def _new_conversation(message: InboundMessage, contact_id: int, now: datetime) -> Conversation:
    # Every column the store does not fill itself is given, since the row is written from these attributes.
    return Conversation(
        contact_id=contact_id,
        channel=message.channel.value,
        status=ConversationStatus.OPEN.value,
        priority=0,
        assignee_id=None,
        team_id=None,
        labels=[],
        subject=message.subject,
        reply_token=secrets.token_urlsafe(16),
        session_key=message.thread.session_key,
        is_complaint=False,
        created_at=now,
        last_message_at=now,
        first_response_at=None,
        resolved_at=None,
        snoozed_until=None,
        first_response_due_at=None,
        resolution_due_at=None,
    )


# The columns of a new conversation's row: all but the id and those the database fills (the tier rank).
_CONVERSATION_KEYS = tuple(
    (attribute.key, attribute.columns[0].key)
    for attribute in inspect(Conversation).column_attrs
    if not (attribute.columns[0].primary_key or attribute.columns[0].server_default is not None)
)


def _conversation_row(conversation: Conversation) -> dict[str, Any]:
    state = conversation.__dict__
    missing = [name for name, _ in _CONVERSATION_KEYS if name not in state]
    # A column added to the model without a value here would otherwise be written as NULL, not its default.
    assert not missing, f"a new conversation needs a value for {missing}"
    return {column: state[name] for name, column in _CONVERSATION_KEYS}


def _touch_conversation(conversation: Conversation, message: InboundMessage, now: datetime) -> bool:
    conversation.last_message_at = now
    if message.is_automatic:
        # Out-of-office and bulk mail are kept but must not reopen anything, or two robots could loop.
        return False
    if conversation.status in (ConversationStatus.RESOLVED.value, ConversationStatus.SNOOZED.value):
        conversation.status = ConversationStatus.OPEN.value
        conversation.resolved_at = None
        conversation.snoozed_until = None
        return True
    return False


async def _insert_messages(
    session: AsyncSession, placements: Sequence[_Placement], now: datetime
) -> dict[MessageKey, int]:
    rows = [_message_row(placement, now) for placement in placements]
    returned = await insert_returning_on_conflict_skip(
        session, Message, rows, ["channel", "external_id"], Message.channel, Message.external_id, Message.id
    )
    return {(channel, external_id): message_id for channel, external_id, message_id in returned}


def _message_row(placement: _Placement, now: datetime) -> dict[str, Any]:
    message = placement.message
    return {
        "conversation_id": placement.conversation.id,
        "direction": Direction.INBOUND.value,
        "channel": message.channel.value,
        "kind": message.kind.value,
        "subject": message.subject,
        "text": message.text,
        "html": message.html,
        "sender_identity_id": placement.match.identity_id,
        "sender_agent_id": None,
        "recipient": message.recipient,
        "external_id": message.external_id,
        "delivery_status": "received",
        "failure_reason": None,
        "is_automatic": message.is_automatic,
        "raw_sha256": BlobStore.digest(message.raw) if message.raw else None,
        "details": {**message.metadata, "thread": placement.reason},
        "created_at": now,
        "received_at": message.received_at or now,
        "sent_at": None,
    }


async def _record_side_rows(
    session: AsyncSession,
    settings: Settings,
    winners: Sequence[_Placement],
    ids: dict[MessageKey, int],
    now: datetime,
) -> None:
    if not winners:
        return
    limit = settings.ingest.inline_raw_max_bytes
    raws = [raw_row(p.message.raw, p.message.channel.value, now, limit) for p in winners if p.message.raw]
    if raws:
        await keep_raws(session, raws)
    attachments = [
        {
            "message_id": ids[_key(p.message)],
            "sha256": item.sha256,
            "filename": item.filename,
            "content_type": item.content_type,
            "size": item.size,
            "content_id": item.content_id,
            "inline": item.inline,
        }
        for p in winners
        for item in p.message.attachments
    ]
    if attachments:
        await session.execute(insert(Attachment), attachments)
    await session.execute(insert(Event), [_event_row(p, ids[_key(p.message)], now) for p in winners])
    routed = _routed(winners, ids)
    if routed:
        first = min(message_id for message_id, _ in routed)
        await queue_routing(session, {conversation_id for _, conversation_id in routed}, first, now)
    jobs = media_jobs([(ids[_key(p.message)], p.message) for p in winners], now)
    if jobs:
        await insert_ignoring_conflict(session, OutboxJob, jobs, ["key"])
        session.info["queued_jobs"] = True
    await enqueue_webhook_events(
        session,
        MESSAGE_CREATED,
        [
            {"message_id": ids[_key(p.message)], "conversation_id": p.conversation.id, "reopened": p.reopened}
            for p in winners
        ],
    )
    new_contacts = sorted({p.match.contact_id for p in winners if p.match.created})
    await enqueue_webhook_events(session, CONTACT_CREATED, [{"contact_id": c} for c in new_contacts])
    await apply_consent_keywords(session, [(p.match.contact_id, p.message) for p in winners], now)
    await request_callbacks(
        session, [(p.conversation, p.match.contact_id, ids[_key(p.message)], p.message) for p in winners], now
    )
    await apply_service_recovery(
        session,
        settings,
        [(p.conversation, p.match.contact_id, ids[_key(p.message)], p.message, *_placed(p)) for p in winners],
        now,
    )
    latest: dict[int, _Placement] = {}
    for placement in winners:
        if not placement.message.is_automatic:
            latest[placement.match.contact_id] = placement
    if latest:
        await session.execute(
            update(Contact),
            [
                {"id": contact_id, "last_inbound_channel": p.message.channel.value, "last_inbound_at": now}
                for contact_id, p in latest.items()
            ],
        )


def _routed(winners: Sequence[_Placement], ids: dict[MessageKey, int]) -> list[tuple[int, int]]:
    """(message id, conversation id) of the stored messages whose conversation may need an agent. They are
    routed together, coalesced with other batches that wait for routing (see ``inbox.route_jobs``)."""
    return [
        (ids[_key(p.message)], p.conversation.id)
        for p in winners
        # Automatic mail must not pull an agent in, nor a survey's answer; an assigned conversation has its agent.
        if not p.message.is_automatic and p.reason != SURVEY_ANSWER and p.conversation.assignee_id is None
    ]


def _placed(placement: _Placement) -> tuple[bool, bool, str]:
    return placement.new_conversation, placement.reopened, placement.reason


def _event_row(placement: _Placement, message_id: int, now: datetime) -> dict[str, Any]:
    return {
        "kind": "message.received",
        "actor_agent_id": None,
        "contact_id": placement.match.contact_id,
        "conversation_id": placement.conversation.id,
        "data": {
            "message_id": message_id,
            "channel": placement.message.channel.value,
            "thread": placement.reason,
            "reopened": placement.reopened,
            "new_contact": placement.match.created,
        },
        "created_at": now,
    }

"""Claiming the next recipients of a campaign for sending, in one transaction per batch.

For each due recipient the claim decides, at send time: suppressed (erased or merged record, no consent or an
opt-out on the channel, frequency cap reached), deferred (quiet hours in the customer's zone), failed (the
template cannot be rendered for them), or claimed. A claimed recipient gets its conversation and outbound message
rows in the same transaction that marks it ``sending`` with this claim's token and a claim deadline, so a crash
at any point leaves either an unclaimed row or a claimed row with its message: never a message without its row.

A row still ``sending`` after its deadline belonged to a process that died mid-send; it is claimed again and
resent with the same message (for email the same Message-ID, so a copy that did get through threads as one).

Known limit of exactly-once: outcomes are committed a fraction of a second after the network accepts a message
(``FLUSH_SECONDS`` in ``workers.jobs.campaign_pacing``), so a message accepted in that last moment before a hard
crash (power cut, SIGKILL) is still ``sending`` here and goes out a second time when its claim has expired,
with the same Message-ID, which mail clients and most receiving servers fold into one. Recording before sending
cannot close that window: the network's answer is what is recorded, and it may be lost with the process.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, Table, bindparam, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from channels.html import sanitize_html
from inbox import audit
from inbox.campaign_audience import Audience, content_of, load_audience
from inbox.campaign_quiet_hours import quiet_until, zone
from inbox.campaign_templates import CampaignTemplateError, RenderedContent
from inbox.models import (
    Campaign,
    CampaignRecipient,
    CampaignStatus,
    Conversation,
    ConversationStatus,
    Message,
    RecipientStatus,
)
from inbox.settings import CampaignsSection
from inbox.store import Store

# Statuses of other campaigns' rows that count towards the frequency cap.
_COUNTED = (
    RecipientStatus.SENDING.value,
    RecipientStatus.SENT.value,
    RecipientStatus.DELIVERED.value,
    RecipientStatus.REPLIED.value,
)


# (message id, conversation reply token, Message-ID hint, conversation id)
_MessageRef = tuple[int, str, str | None, int]


def _table(model: Any) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


# Plain tables, not ORM entities: a claim reads and writes a thousand rows and needs none of the identity map.
_RECIPIENTS = _table(CampaignRecipient)
_CONVERSATIONS = _table(Conversation)
_MESSAGES = _table(Message)
_DUE_COLUMNS = (
    _RECIPIENTS.c.id,
    _RECIPIENTS.c.contact_id,
    _RECIPIENTS.c.address,
    _RECIPIENTS.c.message_id,
    _RECIPIENTS.c.conversation_id,
    _RECIPIENTS.c.attempts,
)
_ROW_UPDATE = (
    update(_RECIPIENTS)
    .where(_RECIPIENTS.c.id == bindparam("b_id"))
    .values(
        status=bindparam("b_status"),
        reason=bindparam("b_reason"),
        message_id=bindparam("b_message_id"),
        conversation_id=bindparam("b_conversation_id"),
        not_before=bindparam("b_not_before"),
        claim_token=bindparam("b_claim_token"),
        claimed_until=bindparam("b_claimed_until"),
        attempts=bindparam("b_attempts"),
    )
)
# A due row: one type per column of _DUE_COLUMNS.
_Due = Row[Any, Any, Any, Any, Any, Any]


@dataclass(frozen=True, slots=True)
class ClaimedSend:
    recipient_id: int
    contact_id: int
    message_id: int
    address: str
    display_name: str | None
    language: str
    reply_token: str
    external_id_hint: str | None
    content: RenderedContent
    unsubscribe_url: str


@dataclass
class Claim:
    token: str
    channel: str
    sender: str | None
    sends: list[ClaimedSend] = field(default_factory=list)
    suppressed: int = 0
    deferred: int = 0
    failed: int = 0


def _due(campaign_id: int, now: datetime) -> Any:
    return (CampaignRecipient.campaign_id == campaign_id) & or_(
        (CampaignRecipient.status == RecipientStatus.QUEUED.value)
        & (or_(CampaignRecipient.not_before.is_(None), CampaignRecipient.not_before <= now)),
        (CampaignRecipient.status == RecipientStatus.SENDING.value) & (CampaignRecipient.claimed_until < now),
    )


async def _sent_lately(
    session: AsyncSession, campaign_id: int, contact_ids: list[int], since: datetime
) -> dict[int, int]:
    rows = await session.execute(
        select(CampaignRecipient.contact_id, func.count())
        .where(
            CampaignRecipient.contact_id.in_(contact_ids),
            CampaignRecipient.campaign_id != campaign_id,
            CampaignRecipient.status.in_(_COUNTED),
            or_(CampaignRecipient.sent_at >= since, CampaignRecipient.status == RecipientStatus.SENDING.value),
        )
        .group_by(CampaignRecipient.contact_id)
    )
    return {int(contact_id): int(count) for contact_id, count in rows.all()}


def _refusal(person: Audience | None, channel: str, rules: CampaignsSection, recent: int) -> str | None:
    if person is None or person.gone:
        return "the customer record was erased or merged"
    given = person.consent.get(channel)
    if given is False:
        return f"opted out of {channel}"
    if rules.require_consent and given is not True:
        return f"no consent to {channel} campaigns on record"
    if rules.frequency_cap and recent >= rules.frequency_cap:
        return f"frequency cap: {recent} campaign messages in {rules.frequency_cap_days} days"
    return None


async def do_claim_recipients(
    store: Store,
    campaign_id: int,
    generation: int,
    *,
    limit: int,
    now: datetime,
    claim_seconds: float,
    message_id_domain: str,
    link: Callable[[int], str],
) -> Claim | None:
    """Claim up to ``limit`` due recipients; None when the campaign is no longer sending in this generation."""
    rules = store.settings.campaigns
    sensitive = store.settings.privacy.sensitive_attributes
    async with store.write() as session:
        campaign = await session.get(Campaign, campaign_id)
        if campaign is None or campaign.generation != generation or campaign.status != CampaignStatus.SENDING.value:
            return None
        claim = Claim(token=secrets.token_hex(16), channel=campaign.channel, sender=campaign.sender)
        query = select(*_DUE_COLUMNS).where(_due(campaign_id, now)).order_by(_RECIPIENTS.c.id).limit(limit)
        if not store.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        rows = list((await session.execute(query)).all())
        if not rows:
            return claim
        content = content_of(campaign)
        audience = await load_audience(session, [row.contact_id for row in rows])
        since = now - timedelta(days=rules.frequency_cap_days)
        recent = (
            await _sent_lately(session, campaign_id, [row.contact_id for row in rows], since)
            if rules.frequency_cap
            else {}
        )
        updates: list[dict[str, Any]] = []
        fresh: list[tuple[_Due, Audience, RenderedContent, str]] = []
        resumed: list[tuple[_Due, Audience, RenderedContent, str]] = []
        for row in rows:
            person = audience.get(row.contact_id)
            reason = _refusal(person, campaign.channel, rules, recent.get(row.contact_id, 0))
            if reason is not None or person is None:
                claim.suppressed += 1
                updates.append(_finished(row, RecipientStatus.SUPPRESSED, reason or "", now))
                continue
            wake = quiet_until(
                now, zone(person.timezone, rules.default_timezone), rules.quiet_hours_start, rules.quiet_hours_end
            )
            if wake is not None:
                claim.deferred += 1
                updates.append(_deferred(row, wake))
                continue
            url = link(row.id)
            try:
                rendered = content.render(person.variables(row.address, sensitive, unsubscribe_url=url))
            except CampaignTemplateError as error:
                claim.failed += 1
                updates.append(_finished(row, RecipientStatus.FAILED, f"template error: {error}", now))
                continue
            (resumed if row.message_id is not None else fresh).append((row, person, rendered, url))
        created = await _create_messages(session, campaign, fresh, now, message_id_domain)
        known = await _existing_messages(session, [row.message_id for row, *_ in resumed if row.message_id])
        deadline = now + timedelta(seconds=claim_seconds)
        for row, person, rendered, url in [*fresh, *resumed]:
            message_id, reply_token, hint, conversation_id = (
                created[row.id] if row.message_id is None else known[row.message_id]
            )
            updates.append(
                {
                    "id": row.id,
                    "status": RecipientStatus.SENDING.value,
                    "reason": None,
                    "message_id": message_id,
                    "conversation_id": conversation_id,
                    "not_before": None,
                    "claim_token": claim.token,
                    "claimed_until": deadline,
                    "attempts": row.attempts + 1,
                }
            )
            claim.sends.append(
                ClaimedSend(
                    recipient_id=row.id,
                    contact_id=row.contact_id,
                    message_id=message_id,
                    address=row.address,
                    display_name=person.name,
                    language=person.language or "en",
                    reply_token=reply_token,
                    external_id_hint=hint,
                    content=rendered,
                    unsubscribe_url=url,
                )
            )
        await _bulk_update(session, updates)
        if claim.suppressed or claim.failed:
            audit.record(
                session,
                "campaign.skipped",
                campaign_id=campaign_id,
                suppressed=claim.suppressed,
                failed=claim.failed,
            )
        return claim


def _finished(row: _Due, status: RecipientStatus, reason: str, now: datetime) -> dict[str, Any]:
    return {
        "id": row.id,
        "status": status.value,
        "reason": reason,
        "message_id": row.message_id,
        "conversation_id": row.conversation_id,
        "not_before": None,
        "claim_token": None,
        "claimed_until": None,
        "attempts": row.attempts,
    }


def _deferred(row: _Due, wake: datetime) -> dict[str, Any]:
    return {
        "id": row.id,
        "status": RecipientStatus.QUEUED.value,
        "reason": "quiet hours in the customer's time zone",
        "message_id": row.message_id,
        "conversation_id": row.conversation_id,
        "not_before": wake,
        "claim_token": None,
        "claimed_until": None,
        "attempts": row.attempts,
    }


async def _bulk_update(session: AsyncSession, updates: list[dict[str, Any]]) -> None:
    if updates:
        # Every dict has the same keys, so this is one executemany UPDATE by primary key.
        await session.execute(_ROW_UPDATE, [{f"b_{key}": value for key, value in row.items()} for row in updates])


async def _create_messages(
    session: AsyncSession,
    campaign: Campaign,
    fresh: list[tuple[_Due, Audience, RenderedContent, str]],
    now: datetime,
    domain: str,
) -> dict[int, _MessageRef]:
    """Conversation and message rows for first-time claims: recipient id -> (message, reply token, hint,
    conversation).

    Each campaign message opens its own conversation, resolved from the start so 100,000 of them never crowd
    the agents' queues; a customer's reply reopens it and is routed like any other contact."""
    if not fresh:
        return {}
    conversation_rows = [
        {
            "contact_id": row.contact_id,
            "channel": campaign.channel,
            "status": ConversationStatus.RESOLVED.value,
            "labels": ["campaign"],
            "subject": rendered.subject or campaign.name,
            "reply_token": secrets.token_urlsafe(16),
            "created_at": now,
            "last_message_at": now,
            "resolved_at": now,
        }
        for row, _, rendered, _ in fresh
    ]
    conversations = (
        await session.execute(
            insert(_CONVERSATIONS).returning(_CONVERSATIONS.c.id, sort_by_parameter_order=True), conversation_rows
        )
    ).all()
    message_rows: list[dict[str, Any]] = []
    hints: list[str | None] = []
    for (row, _, rendered, _), (conversation_id,) in zip(fresh, conversations, strict=True):
        hint = (
            f"campaign.{campaign.id}.{row.id}.{secrets.token_hex(6)}@{domain}" if campaign.channel == "email" else None
        )
        hints.append(hint)
        message_rows.append(
            {
                "conversation_id": int(conversation_id),
                "direction": "outbound",
                "channel": campaign.channel,
                "subject": rendered.subject or None,
                "text": rendered.text,
                "html": sanitize_html(rendered.html) if rendered.html else None,
                "recipient": row.address,
                "external_id": hint,
                "delivery_status": "sending",
                "details": {"campaign_id": campaign.id, "campaign_recipient_id": row.id},
                "created_at": now,
            }
        )
    messages = (
        await session.execute(insert(_MESSAGES).returning(_MESSAGES.c.id, sort_by_parameter_order=True), message_rows)
    ).all()
    tokens = [str(values["reply_token"]) for values in conversation_rows]
    return {
        row.id: (int(message_id), token, hint, int(conversation_id))
        for (row, *_), (message_id,), token, hint, (conversation_id,) in zip(
            fresh, messages, tokens, hints, conversations, strict=True
        )
    }


async def _existing_messages(session: AsyncSession, message_ids: list[int]) -> dict[int, _MessageRef]:
    if not message_ids:
        return {}
    rows = await session.execute(
        select(Message.id, Conversation.reply_token, Message.external_id, Conversation.id)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(Message.id.in_(message_ids))
    )
    return {
        int(mid): (int(mid), str(token), external, int(conversation))
        for mid, token, external, conversation in rows.all()
    }

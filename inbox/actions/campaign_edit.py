"""Writing segments and campaign drafts, campaign costs, and imported payments for ROI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from inbox import audit
from inbox.campaign_templates import CampaignContent
from inbox.models import Campaign, CampaignStatus, Contact, CustomerPayment, Segment, utcnow
from inbox.segments import segment_clause
from inbox.store import Store
from inbox.upsert import insert_returning_on_conflict_skip

CHANNELS = ("email", "sms")
EDITABLE = (CampaignStatus.DRAFT.value, CampaignStatus.SCHEDULED.value, CampaignStatus.PAUSED.value)


class CampaignRefused(ValueError):
    """The change is not possible in the campaign's current state; the message says why."""


@dataclass(frozen=True, slots=True)
class CampaignDraft:
    name: str
    channel: str
    segment_id: int | None
    subject_template: str = ""
    html_template: str = ""
    text_template: str = ""
    sender: str | None = None
    throttle_per_second: float | None = None
    cost_fixed: Decimal = Decimal(0)
    cost_per_message: Decimal = Decimal(0)


def _check_rules(store: Store, rules: dict[str, Any]) -> None:
    # Compiling the condition is the validation: unknown fields, bad operators and sensitive attributes raise.
    segment_clause(rules, dialect=store.dialect, now=utcnow(), sensitive=store.settings.privacy.sensitive_attributes)


async def do_save_segment(
    store: Store,
    *,
    name: str,
    rules: dict[str, Any],
    description: str = "",
    segment_id: int | None = None,
    actor_agent_id: int | None = None,
) -> int:
    _check_rules(store, rules)
    if not name.strip():
        raise CampaignRefused("a segment needs a name")
    async with store.write() as session:
        clash = await session.execute(select(Segment.id).where(Segment.name == name.strip()))
        existing_id = clash.scalar_one_or_none()
        if existing_id is not None and existing_id != segment_id:
            raise CampaignRefused(f"a segment called {name.strip()!r} exists already")
        segment = await session.get(Segment, segment_id) if segment_id is not None else None
        if segment_id is not None and segment is None:
            raise CampaignRefused(f"no segment {segment_id}")
        if segment is None:
            segment = Segment(name=name.strip(), created_by_id=actor_agent_id)
            session.add(segment)
        segment.name = name.strip()
        segment.rules = rules
        segment.description = description
        await session.flush()
        audit.record(session, "segment.saved", actor_agent_id=actor_agent_id, segment_id=segment.id)
        return segment.id


def _validate(draft: CampaignDraft) -> None:
    if draft.channel not in CHANNELS:
        raise CampaignRefused(f"campaigns go out by {' or '.join(CHANNELS)}, not {draft.channel!r}")
    if not draft.name.strip():
        raise CampaignRefused("a campaign needs a name")
    if draft.throttle_per_second is not None and draft.throttle_per_second < 0:
        raise CampaignRefused("the pace cannot be negative")
    if draft.cost_fixed < 0 or draft.cost_per_message < 0:
        raise CampaignRefused("costs cannot be negative")
    # Syntax errors are reported while editing; undefined variables need a customer and show at preview.
    CampaignContent(draft.channel, subject=draft.subject_template, html=draft.html_template, text=draft.text_template)


def _apply(campaign: Campaign, draft: CampaignDraft) -> None:
    campaign.name = draft.name.strip()
    campaign.channel = draft.channel
    campaign.segment_id = draft.segment_id
    campaign.subject_template = draft.subject_template
    campaign.html_template = draft.html_template
    campaign.text_template = draft.text_template
    campaign.sender = draft.sender or None
    campaign.throttle_per_second = draft.throttle_per_second
    campaign.cost_fixed = draft.cost_fixed
    campaign.cost_per_message = draft.cost_per_message


async def do_save_campaign(
    store: Store, draft: CampaignDraft, *, campaign_id: int | None = None, actor_agent_id: int | None = None
) -> int:
    _validate(draft)
    async with store.write() as session:
        if draft.segment_id is not None and await session.get(Segment, draft.segment_id) is None:
            raise CampaignRefused(f"no segment {draft.segment_id}")
        if campaign_id is None:
            campaign = Campaign(status=CampaignStatus.DRAFT.value, created_by_id=actor_agent_id)
            session.add(campaign)
        else:
            found = await session.get(Campaign, campaign_id)
            if found is None:
                raise CampaignRefused(f"no campaign {campaign_id}")
            if found.status not in EDITABLE or (found.materialized and found.channel != draft.channel):
                raise CampaignRefused(f"a {found.status} campaign cannot be edited")
            campaign = found
        _apply(campaign, draft)
        await session.flush()
        audit.record(session, "campaign.saved", actor_agent_id=actor_agent_id, campaign_id=campaign.id)
        return campaign.id


async def do_set_campaign_costs(
    store: Store, campaign_id: int, *, fixed: Decimal, per_message: Decimal, actor_agent_id: int | None = None
) -> None:
    """Costs may be imported or corrected at any time, also after sending: ROI is computed when asked."""
    if fixed < 0 or per_message < 0:
        raise CampaignRefused("costs cannot be negative")
    async with store.write() as session:
        campaign = await session.get(Campaign, campaign_id)
        if campaign is None:
            raise CampaignRefused(f"no campaign {campaign_id}")
        campaign.cost_fixed = fixed
        campaign.cost_per_message = per_message
        audit.record(
            session,
            "campaign.costs",
            actor_agent_id=actor_agent_id,
            campaign_id=campaign_id,
            fixed=str(fixed),
            per_message=str(per_message),
        )


@dataclass(frozen=True, slots=True)
class PaymentRow:
    reference: str
    contact_id: int
    amount: Decimal
    paid_at: datetime


async def do_import_payments(store: Store, rows: list[PaymentRow], *, actor_agent_id: int | None = None) -> int:
    """Store payments once each (by their reference); rows for unknown customers are skipped. Returns how many
    were new."""
    if not rows:
        return 0
    now = utcnow()
    async with store.write() as session:
        known = set(
            (
                await session.execute(select(Contact.id).where(Contact.id.in_({row.contact_id for row in rows})))
            ).scalars()
        )
        values = [
            {
                "reference": row.reference,
                "contact_id": row.contact_id,
                "amount": row.amount,
                "paid_at": row.paid_at,
                "imported_at": now,
            }
            for row in rows
            if row.contact_id in known
        ]
        inserted = await insert_returning_on_conflict_skip(
            session, CustomerPayment, values, ["reference"], CustomerPayment.id
        )
        audit.record(session, "payments.imported", actor_agent_id=actor_agent_id, count=len(inserted))
        return len(inserted)

"""``hub segment`` and ``hub campaign``: marketing campaigns from the command line.

``hub campaign send`` shows a progress bar until the campaign is done. With the embedded runner (no Redis) the
command runs the sending jobs itself while it watches, so a campaign also goes out with no ``hub serve`` up;
several runners share the work safely (leases), so one running in ``hub serve`` as well does no harm.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import sys
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TextIO

from inbox.actions.campaign_control import (
    do_cancel_campaign,
    do_pause_campaign,
    do_resume_campaign,
    do_start_campaign,
)
from inbox.actions.campaign_edit import (
    CampaignDraft,
    CampaignRefused,
    PaymentRow,
    do_import_payments,
    do_save_campaign,
    do_save_segment,
    do_set_campaign_costs,
)
from inbox.campaign_audience import preview_for
from inbox.campaign_links import LinkSecretMissing
from inbox.campaign_queries import get_campaign, list_campaigns
from inbox.campaign_results import CampaignResults, campaign_results
from inbox.campaign_templates import CampaignTemplateError
from inbox.crypto.key_check import require_usable_keys
from inbox.models import Segment, utcnow
from inbox.segment_queries import count_segment, list_segments
from inbox.segments import SegmentRuleError
from inbox.settings import Settings
from inbox.store import Store

SettingsLoader = Callable[[], Settings]
Work = Callable[[Store], Coroutine[Any, Any, int]]
BAR_WIDTH = 30


def _run(settings: Settings, work: Work) -> int:
    async def main() -> int:
        store = Store(settings)
        try:
            await require_usable_keys(store)
            return await work(store)
        finally:
            await store.dispose()

    try:
        return asyncio.run(main())
    except (CampaignRefused, CampaignTemplateError, SegmentRuleError, LinkSecretMissing) as problem:
        print(f"Refused: {problem}", file=sys.stderr)
        return 1


def _read(path: str | None) -> str:
    return Path(path).read_text(encoding="utf-8") if path else ""


def progress_line(figures: CampaignResults) -> str:
    total = max(1, figures.recipients)
    filled = int(BAR_WIDTH * figures.done / total)
    bar = "#" * filled + "." * (BAR_WIDTH - filled)
    return (
        f"[{bar}] {figures.done:,}/{figures.recipients:,}  sent {figures.sent:,}  suppressed {figures.suppressed:,}"
        f"  failed {figures.failed + figures.bounced:,}  waiting {figures.deferred:,}  ({figures.status})"
    )


def print_results(figures: CampaignResults, out: TextIO = sys.stdout) -> None:
    roi = "n/a (no costs recorded)" if figures.roi is None else f"{figures.roi:.1%}"
    rows = [
        ("status", figures.status),
        ("recipients", f"{figures.recipients:,}"),
        ("queued / waiting", f"{figures.queued:,} / {figures.deferred:,}"),
        ("sent", f"{figures.sent:,}"),
        ("delivered", f"{figures.delivered:,}"),
        ("failed / bounced", f"{figures.failed:,} / {figures.bounced:,}"),
        ("suppressed", f"{figures.suppressed:,}"),
        ("opted out", f"{figures.opted_out:,}"),
        ("replies", f"{figures.replied:,} ({figures.reply_rate:.1%} of sent)"),
        ("revenue", f"{figures.revenue:,.2f} from {figures.paying_customers:,} customers"),
        ("cost", f"{figures.cost:,.2f}"),
        ("ROI", roi),
    ]
    for label, value in rows:
        print(f"{label:>18}: {value}", file=out)


async def _results(store: Store, campaign_id: int) -> CampaignResults:
    async with store.read() as session:
        campaign = await get_campaign(session, campaign_id)
        if campaign is None:
            raise CampaignRefused(f"no campaign {campaign_id}")
        return await campaign_results(session, campaign, store.settings.campaigns.attribution_days)


async def watch(store: Store, campaign_id: int, *, run_jobs: bool, out: TextIO = sys.stderr) -> CampaignResults:
    """Show progress until the campaign stops sending; with ``run_jobs`` this process sends as well."""
    processing = None
    context = None
    if run_jobs:
        from workers.composition import build_context, close_context, start_job_processing

        context = build_context(store.settings)
        processing = await start_job_processing(context)
    try:
        while True:
            figures = await _results(store, campaign_id)
            print("\r" + progress_line(figures), end="", file=out, flush=True)
            if figures.status != "sending":
                break
            await asyncio.sleep(0.5)
    finally:
        print(file=out)
        if processing is not None and context is not None:
            await processing.stop()
            await close_context(context)
    return figures


def _segment(settings: Settings, args: argparse.Namespace) -> int:
    async def work(store: Store) -> int:
        if args.segment_command == "list":
            async with store.read() as session:
                for saved in await list_segments(session):
                    print(f"{saved.id:>5}  {saved.name}  {json.dumps(saved.rules, ensure_ascii=False)}")
            return 0
        rules = json.loads(args.rules) if args.segment_command == "save" else None
        if rules is not None:
            segment_id = await do_save_segment(
                store, name=args.name, rules=rules, description=args.description or "", segment_id=args.id
            )
        else:
            segment_id = int(args.id)
        async with store.read() as session:
            segment = await session.get(Segment, segment_id)
            if segment is None:
                raise CampaignRefused(f"no segment {segment_id}")
            counted = await count_segment(
                session,
                segment.rules,
                dialect=store.dialect,
                now=utcnow(),
                sensitive=settings.privacy.sensitive_attributes,
                require_consent=settings.campaigns.require_consent,
            )
        print(
            f"Segment {segment_id} ({segment.name}): {counted.members:,} customers, {counted.email_reachable:,} "
            f"reachable by email, {counted.sms_reachable:,} by SMS."
        )
        return 0

    return _run(settings, work)


def _draft(args: argparse.Namespace) -> CampaignDraft:
    return CampaignDraft(
        name=args.name,
        channel=args.channel,
        segment_id=args.segment,
        subject_template=args.subject or "",
        html_template=_read(args.html_file),
        text_template=args.text if args.text is not None else _read(args.text_file),
        sender=args.sender,
        throttle_per_second=args.throttle,
        cost_fixed=Decimal(args.cost_fixed),
        cost_per_message=Decimal(args.cost_per_message),
    )


def _import_payments(path: str) -> list[PaymentRow]:
    """CSV with a header: reference, contact_id, amount, paid_at (ISO 8601; UTC when no offset is given)."""
    rows: list[PaymentRow] = []
    with Path(path).open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            try:
                paid_at = datetime.fromisoformat(row["paid_at"])
                rows.append(
                    PaymentRow(
                        reference=row["reference"].strip(),
                        contact_id=int(row["contact_id"]),
                        amount=Decimal(row["amount"]),
                        paid_at=paid_at if paid_at.tzinfo else paid_at.replace(tzinfo=UTC),
                    )
                )
            except (KeyError, ValueError, InvalidOperation) as error:
                raise CampaignRefused(f"{path} line {number}: {error}") from error
    return rows


def _campaign(settings: Settings, args: argparse.Namespace) -> int:
    command = args.campaign_command

    async def work(store: Store) -> int:
        if command == "list":
            async with store.read() as session:
                for listed, segment_name in await list_campaigns(session):
                    print(f"{listed.id:>5}  {listed.status:<10} {listed.channel:<5} {listed.name}  [{segment_name}]")
            return 0
        if command == "create":
            print(f"Campaign {await do_save_campaign(store, _draft(args))} saved as a draft.")
            return 0
        if command == "preview":
            async with store.read() as session:
                campaign = await get_campaign(session, args.id)
                if campaign is None or campaign.segment_id is None:
                    raise CampaignRefused("no such campaign, or it has no segment")
                segment = await session.get(Segment, campaign.segment_id)
                assert segment is not None
                previews = await preview_for(
                    session,
                    settings,
                    campaign,
                    segment.rules,
                    dialect=store.dialect,
                    now=utcnow(),
                    contact_id=args.contact,
                )
            for preview in previews:
                print(f"To: {preview.address} (customer #{preview.contact_id})")
                if preview.content.subject:
                    print(f"Subject: {preview.content.subject}")
                if preview.content.sms_segments:
                    print(f"SMS segments: {preview.content.sms_segments}")
                print(preview.content.text)
                if preview.content.html:
                    print("--- HTML ---\n" + preview.content.html)
            return 0 if previews else 1
        if command == "send":
            at = datetime.fromisoformat(args.at) if args.at else None
            if at is not None and at.tzinfo is None:
                at = at.replace(tzinfo=UTC)
            status = await do_start_campaign(store, args.id, at=at)
            print(f"Campaign {args.id} is {status}" + (f" for {at.isoformat()}." if at else "."), file=sys.stderr)
            if status == "scheduled" or args.no_wait:
                return 0
            figures = await watch(store, args.id, run_jobs=not settings.jobs.uses_arq)
            print_results(figures)
            return 0
        if command == "pause":
            await do_pause_campaign(store, args.id)
        elif command == "resume":
            await do_resume_campaign(store, args.id)
        elif command == "cancel":
            print(f"{await do_cancel_campaign(store, args.id):,} recipients will not be sent to.")
        elif command == "costs":
            await do_set_campaign_costs(
                store, args.id, fixed=Decimal(args.fixed), per_message=Decimal(args.per_message)
            )
        elif command == "import-payments":
            print(f"{await do_import_payments(store, _import_payments(args.file)):,} new payments stored.")
            return 0
        print_results(await _results(store, args.id))
        return 0

    return _run(settings, work)


def add_parsers(commands: Any, load: SettingsLoader) -> None:
    segment = commands.add_parser("segment", help="saved customer segments for campaigns")
    segment_commands = segment.add_subparsers(dest="segment_command", required=True)
    segment_commands.add_parser("list", help="list saved segments")
    save = segment_commands.add_parser("save", help="save a segment and show its live count")
    save.add_argument("name")
    save.add_argument(
        "rules", help='rules as JSON, e.g. {"conditions": [{"field": "tier", "op": "in", "value": ["gold"]}]}'
    )
    save.add_argument("--description")
    save.add_argument("--id", type=int, help="change this segment instead of adding one")
    count = segment_commands.add_parser("count", help="the live count of a saved segment")
    count.add_argument("id", type=int)
    segment.set_defaults(run=lambda args: _segment(load(), args))

    campaign = commands.add_parser("campaign", help="marketing campaigns by email or SMS")
    sub = campaign.add_subparsers(dest="campaign_command", required=True)
    sub.add_parser("list", help="list campaigns")
    create = sub.add_parser("create", help="save a campaign draft")
    create.add_argument("--name", required=True)
    create.add_argument("--channel", choices=["email", "sms"], required=True)
    create.add_argument("--segment", type=int, required=True)
    create.add_argument("--subject", help="email subject template")
    create.add_argument("--html-file", help="email HTML template file")
    create.add_argument("--text-file", help="text template file (email text part or SMS)")
    create.add_argument("--text", help="text template given inline")
    create.add_argument("--sender", help="From address or SMS sending number; default: the channel's")
    create.add_argument("--throttle", type=float, help="messages per second (default from settings)")
    create.add_argument("--cost-fixed", default="0")
    create.add_argument("--cost-per-message", default="0")
    preview = sub.add_parser("preview", help="render the campaign for a sample customer")
    preview.add_argument("id", type=int)
    preview.add_argument("--contact", type=int, help="this customer instead of the segment's first")
    send = sub.add_parser("send", help="send now (with a progress bar) or at a time")
    send.add_argument("id", type=int)
    send.add_argument("--at", help="ISO 8601 time to send at (UTC unless an offset is given)")
    send.add_argument("--no-wait", action="store_true", help="return at once instead of showing progress")
    for name, text in (
        ("pause", "pause sending"),
        ("resume", "resume sending"),
        ("cancel", "stop for good"),
        ("status", "progress and results"),
    ):
        sub.add_parser(name, help=text).add_argument("id", type=int)
    costs = sub.add_parser("costs", help="record the campaign's costs (for ROI)")
    costs.add_argument("id", type=int)
    costs.add_argument("--fixed", default="0")
    costs.add_argument("--per-message", default="0")
    payments = sub.add_parser(
        "import-payments", help="import orders/payments from CSV (reference,contact_id,amount,paid_at)"
    )
    payments.add_argument("file")
    campaign.set_defaults(run=lambda args: _campaign(load(), args))

"""The marketers' pages: segments with their live count, the campaign editor with preview and test send, and a
campaign's progress and results with pause, resume and cancel. Marketers and admins only."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from inbox.access import ROLE_ADMIN, ROLE_MARKETER, Viewer
from inbox.actions.campaign_control import (
    do_cancel_campaign,
    do_pause_campaign,
    do_resume_campaign,
    do_start_campaign,
)
from inbox.actions.campaign_edit import CampaignDraft, CampaignRefused, do_save_campaign, do_save_segment
from inbox.actions.campaign_test_send import do_queue_test_send
from inbox.actions.record_read import do_record_contact_read
from inbox.campaign_audience import preview_for
from inbox.campaign_links import LinkSecretMissing
from inbox.campaign_queries import get_campaign, list_campaigns
from inbox.campaign_results import campaign_results
from inbox.campaign_templates import CampaignTemplateError
from inbox.models import Campaign, utcnow
from inbox.segment_queries import SegmentCount, count_segment, get_segment, list_segments
from inbox.segments import FIELDS, SegmentRuleError
from inbox.store import Store
from inbox.web.csrf import verified_form
from inbox.web.templating import render

EXAMPLE_RULES = {
    "match": "all",
    "conditions": [
        {"field": "tier", "op": "in", "value": ["gold", "platinum"]},
        {"field": "consent", "channel": "email", "op": "granted"},
    ],
}
REFUSALS = (CampaignRefused, CampaignTemplateError, SegmentRuleError, LinkSecretMissing)


def _marketer(request: Request) -> Viewer:
    viewer: Viewer = request.state.viewer
    if viewer.role not in (ROLE_MARKETER, ROLE_ADMIN):
        raise HTTPException(403, "Campaigns are for marketers and admins.")
    return viewer


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


async def _count(store: Store, rules: dict[str, Any]) -> SegmentCount:
    async with store.read() as session:
        return await count_segment(
            session,
            rules,
            dialect=store.dialect,
            now=utcnow(),
            sensitive=store.settings.privacy.sensitive_attributes,
            require_consent=store.settings.campaigns.require_consent,
        )


async def segments_page(request: Request) -> Response:
    _marketer(request)
    store = _store(request)
    draft = request.query_params.get("rules")
    problem = None
    counted = None
    if draft:
        try:
            counted = await _count(store, json.loads(draft))
        except (ValueError, SegmentRuleError) as error:
            problem = str(error)
    async with store.read() as session:
        saved = await list_segments(session)
    counts = {segment.id: await _count(store, segment.rules) for segment in saved}
    return render(
        request,
        "segments.html",
        {
            "segments": saved,
            "counts": counts,
            "draft": draft or json.dumps(EXAMPLE_RULES, indent=2),
            "draft_name": request.query_params.get("name", ""),
            "draft_count": counted,
            "problem": problem,
            "fields": FIELDS,
        },
    )


async def save_segment(request: Request) -> Response:
    viewer = _marketer(request)
    form = await verified_form(request)
    try:
        rules = json.loads(str(form.get("rules", "")))
        if not isinstance(rules, dict):
            raise SegmentRuleError("the rules must be a JSON object")
        await do_save_segment(
            _store(request), name=str(form.get("name", "")), rules=rules, actor_agent_id=viewer.agent_id
        )
    except (ValueError, *REFUSALS) as error:
        raise HTTPException(400, f"The segment was not saved: {error}") from error
    return RedirectResponse("/segments", status_code=303)


async def campaigns_page(request: Request) -> Response:
    _marketer(request)
    async with _store(request).read() as session:
        rows = await list_campaigns(session)
    return render(request, "campaigns.html", {"rows": rows})


async def _editor(request: Request, campaign: Campaign | None, problem: str | None = None) -> Response:
    store = _store(request)
    async with store.read() as session:
        segments = await list_segments(session)
        results = None
        previews: list[Any] = []
        preview_problem = None
        if campaign is not None:
            results = await campaign_results(session, campaign, store.settings.campaigns.attribution_days)
            segment = await get_segment(session, campaign.segment_id) if campaign.segment_id else None
            if segment is not None:
                try:
                    previews = await preview_for(
                        session, store.settings, campaign, segment.rules, dialect=store.dialect, now=utcnow()
                    )
                except (CampaignTemplateError, SegmentRuleError) as error:
                    preview_problem = str(error)
    viewer: Viewer = request.state.viewer
    for preview in previews:
        # A preview shows a real customer's name and address: a read of their record like any other.
        await do_record_contact_read(
            store, actor_agent_id=viewer.agent_id, contact_id=preview.contact_id, via="campaign preview"
        )
    return render(
        request,
        "campaign.html",
        {
            "campaign": campaign,
            "segments": segments,
            "results": results,
            "previews": previews,
            "preview_problem": preview_problem,
            "problem": problem,
        },
        status_code=400 if problem else 200,
    )


async def new_campaign_page(request: Request) -> Response:
    _marketer(request)
    return await _editor(request, None)


async def _campaign_or_404(store: Store, campaign_id: int) -> Campaign:
    async with store.read() as session:
        campaign = await get_campaign(session, campaign_id)
    if campaign is None:
        raise HTTPException(404)
    return campaign


async def campaign_page(request: Request) -> Response:
    _marketer(request)
    return await _editor(request, await _campaign_or_404(_store(request), int(request.path_params["campaign_id"])))


def _draft(form: FormData) -> CampaignDraft:
    def text(name: str) -> str:
        return str(form.get(name, "") or "")

    try:
        throttle = float(text("throttle")) if text("throttle").strip() else None
        return CampaignDraft(
            name=text("name"),
            channel=text("channel"),
            segment_id=int(text("segment_id")) if text("segment_id") else None,
            subject_template=text("subject_template"),
            html_template=text("html_template"),
            text_template=text("text_template"),
            sender=text("sender").strip() or None,
            throttle_per_second=throttle,
            cost_fixed=Decimal(text("cost_fixed") or "0"),
            cost_per_message=Decimal(text("cost_per_message") or "0"),
        )
    except (ValueError, InvalidOperation) as error:
        raise CampaignRefused(f"a number could not be read: {error}") from error


async def save_campaign(request: Request) -> Response:
    viewer = _marketer(request)
    form = await verified_form(request)
    raw_id = request.path_params.get("campaign_id")
    campaign_id = int(raw_id) if raw_id is not None else None
    try:
        saved = await do_save_campaign(
            _store(request), _draft(form), campaign_id=campaign_id, actor_agent_id=viewer.agent_id
        )
    except REFUSALS as error:
        existing = await _campaign_or_404(_store(request), campaign_id) if campaign_id is not None else None
        return await _editor(request, existing, problem=str(error))
    return RedirectResponse(f"/campaigns/{saved}", status_code=303)


async def control_campaign(request: Request) -> Response:
    viewer = _marketer(request)
    form = await verified_form(request)
    store = _store(request)
    campaign = await _campaign_or_404(store, int(request.path_params["campaign_id"]))
    action = request.path_params["action"]
    try:
        if action == "send":
            at_text = str(form.get("at", "") or "").strip()
            at = datetime.fromisoformat(at_text) if at_text else None
            if at is not None and at.tzinfo is None:
                at = at.replace(tzinfo=UTC)
            await do_start_campaign(store, campaign.id, at=at, actor_agent_id=viewer.agent_id)
        elif action == "pause":
            await do_pause_campaign(store, campaign.id, actor_agent_id=viewer.agent_id)
        elif action == "resume":
            await do_resume_campaign(store, campaign.id, actor_agent_id=viewer.agent_id)
        elif action == "cancel":
            await do_cancel_campaign(store, campaign.id, actor_agent_id=viewer.agent_id)
        elif action == "test":
            await do_queue_test_send(
                store, campaign.id, agent_id=viewer.agent_id, to=str(form.get("to", "") or "").strip() or None
            )
        else:
            raise HTTPException(404)
    except (ValueError, *REFUSALS) as error:
        return await _editor(request, campaign, problem=str(error))
    return RedirectResponse(f"/campaigns/{campaign.id}", status_code=303)


routes = [
    Route("/segments", segments_page, methods=["GET"]),
    Route("/segments", save_segment, methods=["POST"]),
    Route("/campaigns", campaigns_page, methods=["GET"]),
    Route("/campaigns", save_campaign, methods=["POST"]),
    Route("/campaigns/new", new_campaign_page, methods=["GET"]),
    Route("/campaigns/{campaign_id:int}", campaign_page, methods=["GET"]),
    Route("/campaigns/{campaign_id:int}", save_campaign, methods=["POST"]),
    Route("/campaigns/{campaign_id:int}/{action}", control_campaign, methods=["POST"]),
]

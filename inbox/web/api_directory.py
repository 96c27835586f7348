"""The REST API for people: customers (under the same visibility as their conversations), agents, teams."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import exists, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from inbox import queries
from inbox.access import Viewer, conversation_scope, visible_contact
from inbox.actions.customer_edit import UNCHANGED, CustomerEdit, EditRefused, do_edit_customer
from inbox.actions.presence import PresenceRefused, do_set_presence
from inbox.actions.record_read import do_record_contact_read
from inbox.models import Agent, Contact, ContactIdentity, Conversation, Team, agent_teams
from inbox.search import search_customers
from inbox.search_text import parse_query
from inbox.upsert import dialect_name
from inbox.web import api_shapes
from inbox.web.json_body import json_object
from inbox.web.params import optional_int, path_id

MAX_CONTACTS = 200


async def get_contact(request: Request) -> Response:
    """A customer record; reading it is written to the audit trail."""
    viewer: Viewer = request.state.viewer
    async with request.app.state.store.read() as session:
        found = await visible_contact(session, viewer, path_id(request.path_params["contact_id"]))
        if found is None:
            raise HTTPException(404, "no such customer")
        identities = await queries.identities_of(session, found.id)
    await do_record_contact_read(
        request.app.state.store, actor_agent_id=viewer.agent_id, contact_id=found.id, via="api"
    )
    return JSONResponse(api_shapes.contact(found, identities))


async def list_agents(request: Request) -> Response:
    """Everyone active, with their teams: who a conversation could go to."""
    async with request.app.state.store.read() as session:
        agents = (
            (await session.execute(select(Agent).where(Agent.active.is_(True)).order_by(Agent.name))).scalars().all()
        )
        memberships: dict[int, list[int]] = defaultdict(list)
        for agent_id, team_id in (await session.execute(select(agent_teams.c.agent_id, agent_teams.c.team_id))).all():
            memberships[int(agent_id)].append(int(team_id))
    return JSONResponse({"agents": [api_shapes.agent(a, memberships.get(a.id, [])) for a in agents]})


async def list_teams(request: Request) -> Response:
    async with request.app.state.store.read() as session:
        teams = (await session.execute(select(Team).order_by(Team.name))).scalars().all()
    return JSONResponse({"teams": [api_shapes.team(t) for t in teams]})


def _reader(request: Request) -> Viewer:
    viewer: Viewer = request.state.viewer
    if not viewer.reads_conversations:
        raise HTTPException(403, "this role does not read customer records")
    return viewer


def _contact_reach(viewer: Viewer) -> Any:
    """As ``access.visible_contact``, for many at once: the owner and whoever may read one of its conversations."""
    if viewer.sees_everything:
        return true()
    reachable = exists(select(Conversation.id).where(Conversation.contact_id == Contact.id, conversation_scope(viewer)))
    return or_(Contact.owner_agent_id == viewer.agent_id, reachable)


async def _summaries(session: AsyncSession, contacts: list[Contact]) -> list[dict[str, Any]]:
    identities: dict[int, list[ContactIdentity]] = {c.id: [] for c in contacts}
    if identities:
        found = await session.execute(
            select(ContactIdentity).where(ContactIdentity.contact_id.in_(identities)).order_by(ContactIdentity.id)
        )
        for identity in found.scalars():
            identities[identity.contact_id].append(identity)
    return [
        {
            "id": c.id,
            "name": c.name,
            "tier": c.tier,
            "identities": [{"kind": i.kind, "value": i.value} for i in identities[c.id]],
        }
        for c in contacts
    ]


async def list_contacts(request: Request) -> Response:
    """Customers within the caller's reach, newest first; with ``q``, those matching it by name or identity
    (the search behind /api/v1/search, Chinese included). Summaries only: reading a full record is audited."""
    viewer = _reader(request)
    limit = max(1, min(optional_int(request.query_params.get("limit"), "limit") or 50, MAX_CONTACTS))
    offset = max(0, optional_int(request.query_params.get("offset"), "offset") or 0)
    raw = (request.query_params.get("q") or "").strip()
    async with request.app.state.store.read() as session:
        if raw:
            ids = [hit.contact_id for hit in await search_customers(session, viewer, parse_query(raw))]
            ids = ids[offset : offset + limit]
            found = {c.id: c for c in (await session.execute(select(Contact).where(Contact.id.in_(ids)))).scalars()}
            contacts = [found[i] for i in ids if i in found]
        else:
            query = (
                select(Contact)
                .where(Contact.erased_at.is_(None), Contact.merged_into_id.is_(None), _contact_reach(viewer))
                .order_by(Contact.id.desc())
                .limit(limit)
                .offset(offset)
            )
            contacts = list((await session.execute(query)).scalars())
        return JSONResponse({"contacts": await _summaries(session, contacts)})


def _edit_from(body: dict[str, Any]) -> CustomerEdit:
    values: dict[str, Any] = {}
    for name in ("name", "language", "timezone", "region"):
        value = body.get(name, UNCHANGED)
        if value is not UNCHANGED and value is not None and not isinstance(value, str):
            raise HTTPException(400, f"{name} must be a string or null")
        values[name] = value
    attributes = body.get("attributes", {})
    if not isinstance(attributes, dict) or not all(v is None or isinstance(v, str) for v in attributes.values()):
        raise HTTPException(400, "attributes must map names to strings (null removes one)")
    unknown = set(body) - {"name", "language", "timezone", "region", "attributes"}
    if unknown:
        raise HTTPException(400, "these fields cannot be changed here: " + ", ".join(sorted(unknown)))
    return CustomerEdit(attributes=attributes, **values)


async def update_contact(request: Request) -> Response:
    """Change name, language, time zone, region or custom attributes (audited, as from the customer page)."""
    viewer = _reader(request)
    contact_id = path_id(request.path_params["contact_id"])
    edit = _edit_from(await json_object(request))
    try:
        changed = await do_edit_customer(request.app.state.store, contact_id, edit, actor_agent_id=viewer.agent_id)
    except EditRefused as refusal:
        if "within your reach" in str(refusal):
            raise HTTPException(404, "no such customer") from refusal
        return JSONResponse({"error": "refused", "detail": str(refusal)}, status_code=422)
    async with request.app.state.store.read() as session:
        found = await visible_contact(session, viewer, contact_id)
        if found is None:
            raise HTTPException(404, "no such customer")
        identities = await queries.identities_of(session, found.id)
    return JSONResponse({"changed": changed, "contact": api_shapes.contact(found, identities)})


async def set_my_presence(request: Request) -> Response:
    """The caller's own presence (online, busy, away, offline); going away hands back untouched work."""
    viewer = _reader(request)
    presence = (await json_object(request)).get("presence")
    if not isinstance(presence, str):
        raise HTTPException(400, "presence is required")
    try:
        change = await do_set_presence(
            request.app.state.store, agent_id=viewer.agent_id, presence=presence, actor_agent_id=viewer.agent_id
        )
    except PresenceRefused as refusal:
        return JSONResponse({"error": "refused", "detail": str(refusal)}, status_code=422)
    return JSONResponse({"before": change.before, "presence": change.after, "requeued": list(change.requeued)})


async def list_labels(request: Request) -> Response:
    """Labels on the conversations within the caller's reach, with how many carry each."""
    viewer = _reader(request)
    async with request.app.state.store.read() as session:
        # Both backends unnest a JSON array as a table function; PostgreSQL's may refer to the row (lateral).
        unnest = func.json_each if dialect_name(session) == "sqlite" else func.jsonb_array_elements_text
        label = unnest(Conversation.labels).table_valued("value").alias("label")
        rows = await session.execute(
            select(label.c.value, func.count())
            .select_from(Conversation)
            .join(label, true())
            .where(conversation_scope(viewer))
            .group_by(label.c.value)
            .order_by(func.count().desc(), label.c.value)
        )
        return JSONResponse({"labels": [{"name": str(name), "conversations": int(n)} for name, n in rows.all()]})


routes = [
    Route("/api/v1/contacts", list_contacts, methods=["GET"]),
    Route("/api/v1/contacts/{contact_id}", get_contact, methods=["GET"]),
    Route("/api/v1/contacts/{contact_id}", update_contact, methods=["PATCH"]),
    Route("/api/v1/agents", list_agents, methods=["GET"]),
    Route("/api/v1/agents/me/presence", set_my_presence, methods=["PUT"]),
    Route("/api/v1/teams", list_teams, methods=["GET"]),
    Route("/api/v1/labels", list_labels, methods=["GET"]),
]

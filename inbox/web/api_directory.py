"""The REST API for people: customers (under the same visibility as their conversations), agents, teams."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from inbox import queries
from inbox.access import Viewer, visible_contact
from inbox.actions.record_read import do_record_contact_read
from inbox.models import Agent, Team, agent_teams
from inbox.web import api_shapes
from inbox.web.params import path_id


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


routes = [
    Route("/api/v1/contacts/{contact_id}", get_contact, methods=["GET"]),
    Route("/api/v1/agents", list_agents, methods=["GET"]),
    Route("/api/v1/teams", list_teams, methods=["GET"]),
]

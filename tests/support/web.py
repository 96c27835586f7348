"""Driving the agents' web app in tests: a client per person, signing in through the real login form, and a small
world of teams, people and conversations to check visibility against."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from channels.base import ChannelName, Identity, IdentityKind
from inbox.models import Agent, Contact, Conversation, Team
from inbox.passwords import hash_password
from inbox.web.app import create_app
from inbox.web.rate_limit import LoginLimiter
from tests.support.factories import inbound, ingest
from workers.context import JobContext

PASSWORD = "correct horse battery"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def _signed_webhook(_request: Request) -> Response:
    return PlainTextResponse("ok")


# Stand in for a channel's routes: a webhook that checks its own signature, and a customer-facing script served
# outside /channels/ (as a chat widget's is). Both must stay open.
CHANNEL_ROUTES = [
    Route("/channels/test/inbound", _signed_webhook, methods=["POST"]),
    Route("/test-widget.js", _signed_webhook, methods=["GET"]),
]


def build_app(ctx: JobContext, clock: FakeClock | None = None) -> Starlette:
    limiter = LoginLimiter(clock=clock) if clock is not None else None
    return create_app(
        settings=ctx.settings, store=ctx.store, channel_routes=CHANNEL_ROUTES, blobs=ctx.blobs, login_limiter=limiter
    )


def client_for(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub")


def csrf_from(html: str) -> str:
    found = CSRF_FIELD.search(html)
    assert found is not None, "the page has no form token"
    return found.group(1)


async def sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    page = await client.get("/login")
    token = csrf_from(page.text)
    return await client.post("/login", data={"email": email, "password": password, "csrf_token": token, "next": "/"})


async def page_token(client: httpx.AsyncClient, path: str = "/") -> str:
    return csrf_from((await client.get(path)).text)


@dataclass
class World:
    """Two teams, their people, and conversations in each reach."""

    people: dict[str, int] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)
    teams: dict[str, int] = field(default_factory=dict)
    conversations: dict[str, int] = field(default_factory=dict)
    contacts: dict[str, int] = field(default_factory=dict)


STAFF = (
    ("chen", "agent", ["Front desk"]),
    ("marcus", "agent", ["Front desk"]),
    ("olivia", "supervisor", ["Front desk"]),
    ("zhao", "agent", ["Billing"]),
    ("sofia", "supervisor", ["Billing"]),
    ("root", "admin", []),
    ("mia", "marketer", []),
)

# name -> (assignee, team, tier)
CONVERSATIONS = {
    "chen_own": ("chen", "Front desk", "gold"),
    "front_queue": (None, "Front desk", "bronze"),
    "marcus_own": ("marcus", "Front desk", "silver"),
    "billing_own": ("zhao", "Billing", "platinum"),
    "billing_queue": (None, "Billing", "bronze"),
    "shared_queue": (None, None, "silver"),
}


@cache
def password_hash() -> str:
    # Hashed once for the whole run: argon2 is slow on purpose, and every world has the same password.
    return hash_password(PASSWORD)


async def build_world(ctx: JobContext) -> World:
    world = World()
    async with ctx.store.write() as session:
        teams = {name: Team(name=name) for name in ("Front desk", "Billing")}
        for name, role, member_of in STAFF:
            agent = Agent(
                name=name.title(),
                email=f"{name}@hub.example",
                role=role,
                password_hash=password_hash(),
                skills=[],
                languages=[],
                capacity={},
                schedule={},
                teams=[teams[team] for team in member_of],
            )
            session.add(agent)
            await session.flush()
            world.people[name] = agent.id
            world.emails[name] = agent.email
        world.teams = {name: team.id for name, team in teams.items()}
    for key, (assignee, team, tier) in CONVERSATIONS.items():
        sender = Identity(IdentityKind.EMAIL, f"{key}@example.com", key.replace("_", " ").title())
        outcome = await ingest(
            ctx, inbound(ChannelName.EMAIL, external_id=f"{key}@example.com", sender=sender, subject=f"About {key}")
        )
        world.conversations[key] = outcome.conversation_id
        async with ctx.store.write() as session:
            conversation = await session.get(Conversation, outcome.conversation_id)
            assert conversation is not None
            conversation.assignee_id = world.people[assignee] if assignee else None
            conversation.team_id = world.teams[team] if team else None
            world.contacts[key] = conversation.contact_id
            contact = await session.get(Contact, conversation.contact_id)
            assert contact is not None
            contact.tier = tier
    return world


async def agent_row(ctx: JobContext, agent_id: int) -> Agent:
    async with ctx.store.read() as session:
        agent = await session.get(Agent, agent_id)
        assert agent is not None
        return agent

"""``hub user``: creating agents and issuing API tokens from the command line."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from sqlalchemy import func, select

from inbox.actions.agents import ROLES, AgentRefused, do_add_agent
from inbox.actions.api_tokens import do_issue_api_token
from inbox.models import Agent
from inbox.passwords import WeakPassword
from inbox.settings import Settings
from inbox.store import Store


def read_password(prompt_allowed: bool) -> str:
    """From the terminal (asked twice), or the first line of standard input when it is piped in."""
    if prompt_allowed and sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != first:
            raise AgentRefused("the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


async def _add(settings: Settings, args: argparse.Namespace, password: str) -> int:
    store = Store(settings)
    try:
        return await do_add_agent(
            store, email=args.email, name=args.name, role=args.role, password=password, teams=args.team or []
        )
    finally:
        await store.dispose()


async def _token(settings: Settings, email: str, name: str) -> str:
    store = Store(settings)
    try:
        async with store.read() as session:
            agent_id = (
                await session.execute(select(Agent.id).where(func.lower(Agent.email) == email.strip().lower()))
            ).scalar_one_or_none()
        if agent_id is None:
            raise AgentRefused(f"no agent has the address {email}")
        return (await do_issue_api_token(store, agent_id=agent_id, name=name, actor_agent_id=None)).token
    finally:
        await store.dispose()


def add_user(settings: Settings, args: argparse.Namespace) -> int:
    try:
        password = read_password(prompt_allowed=True)
        agent_id = asyncio.run(_add(settings, args, password))
    except (AgentRefused, WeakPassword) as refusal:
        print(f"Not created: {refusal}", file=sys.stderr)
        return 1
    print(f"Created {args.role} {args.email} (id {agent_id}).")
    return 0


def issue_token(settings: Settings, args: argparse.Namespace) -> int:
    try:
        token = asyncio.run(_token(settings, args.email, args.name))
    except AgentRefused as refusal:
        print(f"No token issued: {refusal}", file=sys.stderr)
        return 1
    # Shown once: only its digest is stored.
    print(token)
    return 0


def run_user_command(settings: Settings, args: argparse.Namespace) -> int:
    result: int = args.user_run(settings, args)
    return result


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    user = commands.add_parser("user", help="manage agents' accounts")
    actions = user.add_subparsers(dest="user_command", required=True)
    add = actions.add_parser("add", help="create an agent (password asked for, or read from stdin)")
    add.add_argument("email")
    add.add_argument("--name", required=True)
    add.add_argument("--role", choices=ROLES, default="agent")
    add.add_argument("--team", action="append", help="a team to join (created if new); may be repeated")
    add.set_defaults(user_run=add_user)
    token = actions.add_parser("token", help="issue an API token for an agent (printed once)")
    token.add_argument("email")
    token.add_argument("--name", default="cli", help="what the token is for")
    token.set_defaults(user_run=issue_token)

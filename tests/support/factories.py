"""Small builders for rows and messages the tests need, written through the real actions where one exists."""

from __future__ import annotations

from typing import Any

from channels.base import ChannelName, Identity, IdentityKind, InboundMessage, ThreadHints
from inbox.actions.ingest import IngestOutcome, do_ingest
from inbox.models import Agent, Contact, Team
from workers.context import JobContext


def inbound(
    channel: ChannelName = ChannelName.EMAIL,
    external_id: str = "m1@example.com",
    sender: Identity | None = None,
    **fields: Any,
) -> InboundMessage:
    default_sender = {
        ChannelName.EMAIL: Identity(IdentityKind.EMAIL, "alice@example.com", "Alice"),
        ChannelName.SMS: Identity(IdentityKind.PHONE, "+14155550100"),
        ChannelName.PHONE: Identity(IdentityKind.PHONE, "+14155550100"),
        ChannelName.FAX: Identity(IdentityKind.FAX, "+14155550199"),
        ChannelName.WEBCHAT: Identity(IdentityKind.WEBCHAT, "visitor-1"),
    }[channel]
    values: dict[str, Any] = {
        "channel": channel,
        "external_id": external_id,
        "sender": sender or default_sender,
        "subject": "Booking change" if channel is ChannelName.EMAIL else None,
        "text": "Please move my booking.",
        "thread": ThreadHints(),
    }
    values.update(fields)
    return InboundMessage(**values)


async def ingest(ctx: JobContext, message: InboundMessage) -> IngestOutcome:
    return await do_ingest(ctx.store, ctx.blobs, ctx.settings, message)


async def add_agent(
    ctx: JobContext,
    name: str = "Chen Jing",
    *,
    presence: str = "online",
    team: str | None = None,
    **fields: Any,
) -> int:
    async with ctx.store.write() as session:
        teams = [Team(name=team)] if team else []
        values: dict[str, Any] = {"skills": [], "languages": [], "capacity": {}, "schedule": {}}
        values.update(fields)
        agent = Agent(
            name=name,
            email=f"{name.lower().replace(' ', '.')}@hub.example",
            presence=presence,
            teams=teams,
            **values,
        )
        session.add(agent)
        await session.flush()
        return agent.id


async def update_contact(ctx: JobContext, contact_id: int, **fields: Any) -> None:
    async with ctx.store.write() as session:
        contact = await session.get(Contact, contact_id)
        assert contact is not None
        for key, value in fields.items():
            setattr(contact, key, value)

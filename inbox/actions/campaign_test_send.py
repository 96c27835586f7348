"""A test send: the campaign rendered for a sample customer, sent to the marketer (or a number they give for SMS).

It goes through a job like every send. The audit entry written before sending doubles as the job's claim, so a
job that runs twice sends the test once.
"""

from __future__ import annotations

import uuid

from sqlalchemy import JSON, select, type_coerce

from inbox import audit, outbox
from inbox.actions.campaign_edit import CampaignRefused
from inbox.models import Agent, Campaign, Event
from inbox.store import Store

JOB = "campaign_test_send"
EVENT = "campaign.test_sent"


async def do_queue_test_send(store: Store, campaign_id: int, *, agent_id: int, to: str | None = None) -> str:
    """Queue a test send; an email goes to the agent's own address, an SMS to ``to``. Returns the address."""
    async with store.write() as session:
        campaign = await session.get(Campaign, campaign_id)
        agent = await session.get(Agent, agent_id)
        if campaign is None or agent is None:
            raise CampaignRefused("no such campaign")
        if campaign.channel == "sms" and not to:
            raise CampaignRefused("give the mobile number the test text should go to")
        address = agent.email if campaign.channel == "email" else str(to)
        key = f"{JOB}:{campaign_id}:{uuid.uuid4().hex}"
        await outbox.enqueue(
            session, JOB, key, {"campaign_id": campaign_id, "agent_id": agent_id, "to": address, "key": key}
        )
        return address


async def do_claim_test_send(store: Store, key: str, campaign_id: int, agent_id: int, address: str) -> bool:
    """True for the first caller with ``key``; the audit entry records who was sent what."""
    async with store.write() as session:
        seen = await session.execute(
            select(Event.id).where(Event.kind == EVENT, type_coerce(Event.data, JSON)["key"].as_string() == key)
        )
        if seen.first() is not None:
            return False
        audit.record(session, EVENT, actor_agent_id=agent_id, key=key, campaign_id=campaign_id, to=address)
        return True

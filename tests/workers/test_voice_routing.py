from __future__ import annotations

from sqlalchemy import func, select

from channels.base import ChannelName
from channels.twilio_voice_agents import AgentRequest, AgentTarget
from inbox.models import Agent, Contact, ContactIdentity
from tests.support.factories import add_agent, inbound, ingest, update_contact
from workers.context import JobContext
from workers.voice_routing import VoiceRouting, agent_target

CALLER = "+14155550100"  # the factories' SMS and phone customer


def call(caller: str = CALLER, team: str | None = None) -> AgentRequest:
    return AgentRequest(call_sid="CA" + "1" * 32, caller=caller, called="+14155559999", language="en", team=team)


async def contacts(ctx: JobContext) -> int:
    async with ctx.store.read() as session:
        return int((await session.execute(select(func.count()).select_from(Contact))).scalar_one())


def test_a_voice_identity_is_a_number_or_a_client_name() -> None:
    assert agent_target(3, "+14155550123") == AgentTarget("3", phone_number="+14155550123")
    assert agent_target(4, "client:chen") == AgentTarget("4", client_identity="chen")
    assert agent_target(5, "chen-browser") == AgentTarget("5", client_identity="chen-browser")


async def test_an_online_agent_with_a_phone_is_rung(ctx: JobContext) -> None:
    await add_agent(ctx, "No Phone", presence="online")
    with_phone = await add_agent(ctx, "Chen Jing", presence="online", voice_identity="client:chen")
    target = await VoiceRouting(ctx.store).find_agent(call())
    assert target == AgentTarget(str(with_phone), client_identity="chen")


async def test_nobody_is_rung_when_no_agent_with_a_phone_is_online(ctx: JobContext) -> None:
    await add_agent(ctx, "Away", presence="offline", voice_identity="+14155550111")
    await add_agent(ctx, "No Phone", presence="online")
    assert await VoiceRouting(ctx.store).find_agent(call()) is None


async def test_an_unknown_caller_creates_no_contact(ctx: JobContext) -> None:
    agent = await add_agent(ctx, "Chen Jing", presence="online", voice_identity="+14155550111")
    target = await VoiceRouting(ctx.store).find_agent(call("+14155550177"))
    assert target == AgentTarget(str(agent), phone_number="+14155550111")
    assert await contacts(ctx) == 0


async def test_the_callers_owner_takes_the_call(ctx: JobContext) -> None:
    await add_agent(ctx, "Idle Longest", presence="online", voice_identity="client:idle")
    owner = await add_agent(ctx, "Account Manager", presence="online", voice_identity="client:owner")
    outcome = await ingest(ctx, inbound(ChannelName.SMS, "SM1"))
    await update_contact(ctx, outcome.contact_id, owner_agent_id=owner)
    target = await VoiceRouting(ctx.store).find_agent(call())
    assert target is not None and target.agent_id == str(owner)


async def test_an_agent_who_does_not_speak_the_callers_language_is_passed_over(ctx: JobContext) -> None:
    english = await add_agent(ctx, "English Only", presence="online", voice_identity="client:en")
    chinese = await add_agent(ctx, "Chen Jing", presence="online", voice_identity="client:zh")
    async with ctx.store.write() as session:
        for agent_id, spoken in ((english, "en"), (chinese, "zh")):
            agent = await session.get(Agent, agent_id)
            assert agent is not None
            agent.languages = [spoken]
    outcome = await ingest(ctx, inbound(ChannelName.SMS, "SM1"))
    await update_contact(ctx, outcome.contact_id, language="zh")
    target = await VoiceRouting(ctx.store).find_agent(call())
    assert target is not None and target.agent_id == str(chinese)


async def test_the_team_picked_in_the_menu_is_preferred(ctx: JobContext) -> None:
    await add_agent(ctx, "Sales Person", presence="online", voice_identity="client:sales", team="sales")
    billing = await add_agent(ctx, "Billing Person", presence="online", voice_identity="client:bill", team="billing")
    target = await VoiceRouting(ctx.store).find_agent(call(team="billing"))
    assert target is not None and target.agent_id == str(billing)


async def test_the_callers_language_comes_from_their_record(ctx: JobContext) -> None:
    routing = VoiceRouting(ctx.store)
    assert await routing.caller_language(CALLER) is None
    outcome = await ingest(ctx, inbound(ChannelName.SMS, "SM1"))
    await update_contact(ctx, outcome.contact_id, language="zh-CN")
    assert await routing.caller_language(CALLER) == "zh-CN"
    assert await routing.caller_language("+14155550177") is None
    async with ctx.store.read() as session:
        identities = (await session.execute(select(func.count()).select_from(ContactIdentity))).scalar_one()
    assert identities == 1

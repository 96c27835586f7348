"""The conversation page's call-back button and the REST route: who may use them, and the refusals they show.

What happens once the call is placed (Twilio, the call's webhooks, the timeline) is followed end to end in
tests/workers/test_callback_flow.py.
"""

from __future__ import annotations

from sqlalchemy import func, select

from channels.base import ChannelName
from inbox.actions.api_tokens import do_issue_api_token
from inbox.models import Agent, Conversation, Message, OutboxJob
from tests.inbox.web.test_openapi_conformance import conforms
from tests.support.factories import inbound, ingest, update_contact
from tests.support.web import World, build_app, build_world, client_for, csrf_from, page_token, sign_in
from workers.context import JobContext

SMS_CUSTOMER = "+14155550100"  # the factories' SMS sender


async def give_phone(ctx: JobContext, agent_id: int, identity: str = "client:chen") -> None:
    async with ctx.store.write() as session:
        agent = await session.get(Agent, agent_id)
        assert agent is not None
        agent.voice_identity = identity


async def sms_conversation_of(ctx: JobContext, world: World, assignee: str) -> tuple[int, int]:
    """An SMS customer's conversation assigned to ``assignee``: (conversation id, contact id)."""
    outcome = await ingest(ctx, inbound(ChannelName.SMS, "SM1"))
    async with ctx.store.write() as session:
        conversation = await session.get(Conversation, outcome.conversation_id)
        assert conversation is not None
        conversation.assignee_id = world.people[assignee]
    return outcome.conversation_id, outcome.contact_id


async def queued_calls(ctx: JobContext) -> int:
    async with ctx.store.read() as session:
        jobs = await session.execute(select(func.count()).select_from(OutboxJob).where(OutboxJob.job == "callback"))
        logged = await session.execute(
            select(func.count()).select_from(Message).where(Message.channel == "phone", Message.direction == "outbound")
        )
    return int(jobs.scalar_one()) + int(logged.scalar_one())


async def test_the_button_queues_the_call_and_says_what_happens_next(ctx: JobContext) -> None:
    world = await build_world(ctx)
    await give_phone(ctx, world.people["chen"])
    conversation_id, _ = await sms_conversation_of(ctx, world, "chen")
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, world.emails["chen"])
        page = await client.get(f"/conversations/{conversation_id}")
        assert f'action="/conversations/{conversation_id}/callback"' in page.text
        clicked = await client.post(
            f"/conversations/{conversation_id}/callback", data={"csrf_token": csrf_from(page.text)}
        )
        assert clicked.status_code == 303
        after = await client.get(clicked.headers["location"])
    async with ctx.store.read() as session:
        logged = (await session.execute(select(Message).where(Message.channel == "phone"))).scalar_one()
        job = (await session.execute(select(OutboxJob).where(OutboxJob.job == "callback"))).scalar_one()
    assert clicked.headers["location"] == f"/conversations/{conversation_id}#message-{logged.id}"
    assert (logged.sender_agent_id, logged.recipient, logged.delivery_status) == (
        world.people["chen"],
        SMS_CUSTOMER,
        "queued",
    )
    assert job.payload == {"message_id": logged.id}
    assert f"when you answer, the hub dials the customer at {SMS_CUSTOMER}" in after.text
    assert f"Call-back to {SMS_CUSTOMER} requested by Chen" in after.text


async def test_refusals_are_shown_on_the_page_and_queue_nothing(ctx: JobContext) -> None:
    world = await build_world(ctx)
    sms_id, sms_contact = await sms_conversation_of(ctx, world, "chen")
    email_id = world.conversations["chen_own"]
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, world.emails["chen"])

        async def click(conversation_id: int) -> str:
            token = await page_token(client, f"/conversations/{conversation_id}")
            response = await client.post(f"/conversations/{conversation_id}/callback", data={"csrf_token": token})
            assert response.status_code == 422
            return response.text

        assert "No call-back: you have no phone number or voice client set up" in await click(sms_id)
        await give_phone(ctx, world.people["chen"])
        assert "No call-back: the customer cannot be called: the customer has no phone identity" in await click(
            email_id
        )
        await update_contact(ctx, sms_contact, consent={"phone": False})
        assert "No call-back: the customer cannot be called: the customer opted out of phone" in await click(sms_id)
    assert await queued_calls(ctx) == 0


async def test_only_agents_who_see_the_conversation_can_call_and_only_with_the_form_token(ctx: JobContext) -> None:
    world = await build_world(ctx)
    for name in ("chen", "zhao", "mia"):
        await give_phone(ctx, world.people[name], f"client:{name}")
    conversation_id, _ = await sms_conversation_of(ctx, world, "chen")
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, world.emails["chen"])
        forged = await client.post(f"/conversations/{conversation_id}/callback", data={"csrf_token": "guess"})
        assert forged.status_code == 403
        token = await page_token(client)
        other_team = world.conversations["billing_own"]
        away = await client.post(f"/conversations/{other_team}/callback", data={"csrf_token": token})
        assert away.status_code == 404
    for outsider in ("zhao", "mia"):
        async with client_for(build_app(ctx)) as client:
            await sign_in(client, world.emails[outsider])
            token = await page_token(client)
            response = await client.post(f"/conversations/{conversation_id}/callback", data={"csrf_token": token})
            assert response.status_code == 404, outsider
    assert await queued_calls(ctx) == 0


async def bearer(ctx: JobContext, world: World, name: str) -> dict[str, str]:
    issued = await do_issue_api_token(ctx.store, agent_id=world.people[name], name="test", actor_agent_id=None)
    return {"Authorization": f"Bearer {issued.token}"}


async def test_the_api_route_queues_the_call_or_says_why_not(ctx: JobContext) -> None:
    world = await build_world(ctx)
    conversation_id, contact_id = await sms_conversation_of(ctx, world, "chen")
    async with client_for(build_app(ctx)) as client:
        chen = await bearer(ctx, world, "chen")
        path = f"/api/v1/conversations/{conversation_id}/callback"
        no_phone = await client.post(path, headers=chen)
        assert no_phone.status_code == 422
        assert no_phone.json() == {
            "error": "refused",
            "detail": "you have no phone number or voice client set up, so the call cannot ring you",
        }
        await give_phone(ctx, world.people["chen"])
        queued = await client.post(path, headers=chen)
        document = (await client.get("/api/v1/openapi.json", headers=chen)).json()
        zhao = await bearer(ctx, world, "zhao")
        assert (await client.post(path, headers=zhao)).status_code == 404
        await update_contact(ctx, contact_id, consent={"phone": False})
        opted_out = await client.post(path, headers=chen)
    assert queued.status_code == 202
    body = queued.json()
    answer = document["paths"]["/api/v1/conversations/{conversation_id}/callback"]["post"]["responses"]["202"]
    assert conforms(body, answer["content"]["application/json"]["schema"], document) == []
    assert (body["customer"], body["queued"]) == (SMS_CUSTOMER, True)
    async with ctx.store.read() as session:
        logged = await session.get(Message, body["message_id"])
    assert logged is not None and (logged.conversation_id, logged.channel) == (conversation_id, "phone")
    assert opted_out.status_code == 422 and "opted out of phone" in opted_out.json()["detail"]
    assert await queued_calls(ctx) == 2  # the one call: its log entry and its job

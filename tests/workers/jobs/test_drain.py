from __future__ import annotations

from channels.base import Identity, IdentityKind
from inbox.actions.presence import do_set_presence
from inbox.actions.status import do_set_status
from inbox.models import Conversation
from tests.support.factories import add_agent, inbound, ingest
from tests.support.jobs import JobDriver
from workers.context import JobContext


async def _email(ctx: JobContext, number: int) -> int:
    sender = Identity(IdentityKind.EMAIL, f"customer{number}@example.com")
    outcome = await ingest(
        ctx, inbound(external_id=f"m{number}@example.com", sender=sender, subject=f"Matter {number}")
    )
    return outcome.conversation_id


async def _assignee(ctx: JobContext, conversation_id: int) -> int | None:
    async with ctx.store.read() as session:
        row = await session.get(Conversation, conversation_id)
    assert row is not None
    return row.assignee_id


async def test_resolving_a_conversation_gives_the_freed_slot_to_the_next_waiting(
    ctx: JobContext, jobs: JobDriver
) -> None:
    agent = await add_agent(ctx, "One At A Time", capacity={"email": 1})
    first = await _email(ctx, 1)
    await jobs.drain()
    second = await _email(ctx, 2)
    await jobs.drain()
    assert (await _assignee(ctx, first), await _assignee(ctx, second)) == (agent, None)

    await do_set_status(ctx.store, conversation_id=first, status="resolved", actor_agent_id=agent)
    await jobs.drain()

    assert await _assignee(ctx, second) == agent


async def test_an_agent_coming_online_takes_the_waiting_queue(ctx: JobContext, jobs: JobDriver) -> None:
    agent = await add_agent(ctx, "Starting Shift", presence="offline")
    waiting = [await _email(ctx, number) for number in range(3)]
    await jobs.drain()
    assert [await _assignee(ctx, cid) for cid in waiting] == [None, None, None]

    await do_set_presence(ctx.store, agent_id=agent, presence="online")
    await jobs.drain()

    assert [await _assignee(ctx, cid) for cid in waiting] == [agent, agent, agent]


async def test_work_handed_back_by_an_agent_going_offline_goes_to_another(ctx: JobContext, jobs: JobDriver) -> None:
    leaving = await add_agent(ctx, "Leaving")
    conversation = await _email(ctx, 1)
    await jobs.drain()
    assert await _assignee(ctx, conversation) == leaving
    staying = await add_agent(ctx, "Staying")

    await do_set_presence(ctx.store, agent_id=leaving, presence="offline")
    await jobs.drain()

    assert await _assignee(ctx, conversation) == staying

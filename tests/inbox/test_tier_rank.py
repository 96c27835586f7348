"""The tier rank a conversation carries for the inbox's serving order stays its customer's, whatever the write."""

from __future__ import annotations

from sqlalchemy import select

from inbox.access import load_viewer
from inbox.actions.merge import do_merge_contacts
from inbox.actions.value import do_store_values
from inbox.inbox_views import Filters, View, inbox_rows, tier_rank
from inbox.models import Conversation
from tests.support.factories import update_contact
from tests.support.web import build_world
from workers.context import JobContext


async def _ranks(ctx: JobContext) -> dict[int, int]:
    async with ctx.store.read() as session:
        rows = await session.execute(select(Conversation.id, Conversation.tier_rank))
    return {conversation_id: rank for conversation_id, rank in rows.all()}


async def test_a_new_conversation_takes_its_customers_rank(ctx: JobContext) -> None:
    world = await build_world(ctx)
    gold = world.contacts["chen_own"]
    async with ctx.store.write() as session:
        conversation = Conversation(contact_id=gold, channel="sms", reply_token="fresh-token", labels=[])
        session.add(conversation)
        await session.flush()
        added = conversation.id
    ranks = await _ranks(ctx)
    assert ranks[added] == tier_rank("gold") == 1
    assert ranks[world.conversations["billing_own"]] == tier_rank("platinum") == 0
    assert ranks[world.conversations["front_queue"]] == tier_rank("bronze") == 3


async def test_a_tier_change_restamps_that_customers_conversations_only(ctx: JobContext) -> None:
    world = await build_world(ctx)
    before = await _ranks(ctx)
    await do_store_values(ctx.store, {world.contacts["front_queue"]: (99.0, "platinum", False)})
    after = await _ranks(ctx)
    changed = {cid for cid in after if after[cid] != before[cid]}
    assert changed == {world.conversations["front_queue"]}
    assert after[world.conversations["front_queue"]] == 0
    # An edit that leaves the tier as it was re-stamps nothing, and a move down is followed as well.
    await update_contact(ctx, world.contacts["front_queue"], name="Same Tier")
    assert await _ranks(ctx) == after
    await update_contact(ctx, world.contacts["front_queue"], tier="silver")
    assert (await _ranks(ctx))[world.conversations["front_queue"]] == 2


async def test_a_merged_customers_conversations_take_the_survivors_rank(ctx: JobContext) -> None:
    world = await build_world(ctx)
    await do_merge_contacts(
        ctx.store,
        survivor_id=world.contacts["billing_own"],
        merged_id=world.contacts["billing_queue"],
        actor_agent_id=None,
    )
    assert (await _ranks(ctx))[world.conversations["billing_queue"]] == tier_rank("platinum")


async def test_the_views_follow_a_tier_change_at_once(ctx: JobContext) -> None:
    world = await build_world(ctx)
    ids = world.conversations
    async with ctx.store.read() as session:
        root = await load_viewer(session, world.people["root"])
        assert root is not None
        before = [row.conversation_id for row in await inbox_rows(session, root, View.UNASSIGNED, Filters())]
    # The shared queue (silver) is served before the bronze queues until the front desk's customer turns gold.
    assert before[0] == ids["shared_queue"]
    await do_store_values(ctx.store, {world.contacts["front_queue"]: (80.0, "gold", False)})
    async with ctx.store.read() as session:
        after = await inbox_rows(session, root, View.UNASSIGNED, Filters())
        gold = await inbox_rows(session, root, View.UNASSIGNED, Filters(tier="gold"))
    assert [row.conversation_id for row in after][:2] == [ids["front_queue"], ids["shared_queue"]]
    assert after[0].tier == "gold"
    assert [row.conversation_id for row in gold] == [ids["front_queue"]]

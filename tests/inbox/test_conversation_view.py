from __future__ import annotations

from channels.base import ChannelName, Identity, IdentityKind
from inbox.access import load_viewer, visible_conversation
from inbox.actions.transfer import do_assign_manually
from inbox.conversation_view import conversation_page
from inbox.models import Conversation
from tests.support.factories import inbound, ingest
from tests.support.web import build_world
from workers.context import JobContext


async def test_the_timeline_spans_the_customers_conversations_within_reach(ctx: JobContext) -> None:
    world = await build_world(ctx)
    sender = Identity(IdentityKind.EMAIL, "chen_own@example.com")
    # The same customer writes again about something else: a second conversation, then handed to billing.
    second = await ingest(
        ctx, inbound(ChannelName.EMAIL, external_id="later@example.com", sender=sender, subject="Invoice", text="Bill?")
    )
    assert second.conversation_id != world.conversations["chen_own"]
    async with ctx.store.read() as session:
        chen = await load_viewer(session, world.people["chen"])
        root = await load_viewer(session, world.people["root"])
        assert chen is not None and root is not None
        first = await visible_conversation(session, chen, world.conversations["chen_own"])
        assert first is not None
        mine = await conversation_page(session, chen, first)
        everything = await conversation_page(session, root, first)
    assert [entry.message.text for entry in everything.timeline] == ["Please move my booking.", "Bill?"]
    assert [entry.in_this_conversation for entry in everything.timeline] == [True, False]
    # Still in the shared queue, so Chen sees it too; once billing takes it, Chen no longer does.
    assert len(mine.timeline) == 2
    await do_assign_manually(
        ctx.store, conversation_id=second.conversation_id, agent_id=world.people["zhao"], actor_agent_id=None
    )
    async with ctx.store.read() as session:
        first_again = await session.get(Conversation, world.conversations["chen_own"])
        assert first_again is not None
        mine = await conversation_page(session, chen, first_again)
    assert [entry.message.text for entry in mine.timeline] == ["Please move my booking."]
    assert [c.id for c in mine.customer.conversations] == [world.conversations["chen_own"]]
    assert mine.reply_choice.channel is ChannelName.EMAIL

from __future__ import annotations

import pytest
from sqlalchemy import text

from channels.base import ChannelName, Identity, IdentityKind
from inbox import search as search_module
from inbox.access import Viewer, load_viewer
from inbox.actions.customer_erase import do_erase_customer
from inbox.actions.merge import do_merge_contacts
from inbox.actions.reply import do_reply
from inbox.models import Contact, ContactIdentity, Message
from inbox.search import CANDIDATES, search
from tests.support.factories import inbound, ingest
from tests.support.privacy import KEY_A, keyed_store
from tests.support.web import World, build_world
from workers.context import JobContext


async def _viewer(ctx: JobContext, world: World, name: str) -> Viewer:
    async with ctx.store.read() as session:
        viewer = await load_viewer(session, world.people[name])
    assert viewer is not None
    return viewer


async def _say(ctx: JobContext, conversation_id: int, body: str, subject: str | None = None) -> int:
    async with ctx.store.write() as session:
        message = Message(
            conversation_id=conversation_id,
            direction="inbound",
            channel="email",
            subject=subject,
            text=body,
            delivery_status="received",
        )
        session.add(message)
        await session.flush()
        return message.id


async def _message_ids(ctx: JobContext, viewer: Viewer, query: str) -> list[int]:
    async with ctx.store.read() as session:
        results = await search(session, viewer, query)
    return [hit.message_id for hit in results.messages]


async def _customer_ids(ctx: JobContext, viewer: Viewer, query: str) -> list[int]:
    async with ctx.store.read() as session:
        results = await search(session, viewer, query)
    return [hit.contact_id for hit in results.customers]


async def test_chinese_and_english_substrings_are_found(ctx: JobContext) -> None:
    world = await build_world(ctx)
    root = await _viewer(ctx, world, "root")
    chinese = await _say(ctx, world.conversations["shared_queue"], "你好，我的订单没有到，请帮我查一下物流。")
    english = await _say(ctx, world.conversations["front_queue"], "I want a REFUND for the damaged kettle.")
    assert await _message_ids(ctx, root, "订单没有") == [chinese]
    # Two characters are a whole word in Chinese: found without the index, in the latest messages.
    assert await _message_ids(ctx, root, "物流") == [chinese]
    assert await _message_ids(ctx, root, "refund") == [english]
    assert await _message_ids(ctx, root, "damaged refund") == [english]
    assert await _message_ids(ctx, root, "refund 订单") == []
    async with ctx.store.read() as session:
        short = await search(session, root, "物流")
        long = await search(session, root, "订单没有")
    assert short.recent_only and not long.recent_only


async def test_hits_are_ranked_highlighted_escaped_and_paginated(ctx: JobContext) -> None:
    world = await build_world(ctx)
    root = await _viewer(ctx, world, "root")
    conversation = world.conversations["shared_queue"]
    in_text = await _say(ctx, conversation, "The invoice is attached <script>alert(1)</script> as promised.")
    in_subject = await _say(ctx, conversation, "Please see below.", subject="Invoice for March")
    newest = await _say(ctx, conversation, "Another invoice reminder.")
    async with ctx.store.read() as session:
        first = await search(session, root, "invoice", per_page=2)
        second = await search(session, root, "invoice", page=2, per_page=2)
    # The subject match ranks first; among equals the newest leads.
    assert [hit.message_id for hit in first.messages] == [in_subject, newest]
    assert [hit.message_id for hit in second.messages] == [in_text]
    assert first.has_next and not second.has_next and second.customers == []
    assert str(first.messages[0].subject) == "<mark>Invoice</mark> for March"
    snippet = str(second.messages[0].snippet)
    assert "<script>" not in snippet and "&lt;script&gt;" in snippet and "<mark>invoice</mark>" in snippet


async def test_results_respect_who_may_read_what(ctx: JobContext) -> None:
    world = await build_world(ctx)
    billing = await _say(ctx, world.conversations["billing_own"], "Secret billing dispute about the minibar")
    front = await _say(ctx, world.conversations["chen_own"], "Minibar charge question from the front desk")
    chen, zhao, sofia, root, mia = [await _viewer(ctx, world, n) for n in ("chen", "zhao", "sofia", "root", "mia")]
    assert await _message_ids(ctx, chen, "minibar") == [front]
    assert await _message_ids(ctx, zhao, "minibar") == [billing]
    assert await _message_ids(ctx, sofia, "minibar") == [billing]
    assert sorted(await _message_ids(ctx, root, "minibar")) == sorted([billing, front])
    # A marketer reads no conversation and no customer through search.
    assert await _message_ids(ctx, mia, "minibar") == []
    assert await _customer_ids(ctx, mia, "billing") == []
    # Customers too: Chen reaches the front desk's customers, not Billing's own.
    assert await _customer_ids(ctx, chen, "billing own") == []
    assert await _customer_ids(ctx, zhao, "billing own") == [world.contacts["billing_own"]]


async def test_customers_by_name_email_and_phone(ctx: JobContext) -> None:
    world = await build_world(ctx)
    root = await _viewer(ctx, world, "root")
    outcome = await ingest(
        ctx,
        inbound(
            ChannelName.SMS,
            external_id="SM-search-1",
            sender=Identity(IdentityKind.PHONE, "+14155550123"),
            text="短信测试",
        ),
    )
    async with ctx.store.write() as session:
        contact = await session.get(Contact, outcome.contact_id)
        assert contact is not None
        contact.name = "王芳"
    assert await _customer_ids(ctx, root, "王芳") == [outcome.contact_id]
    # A one- or two-character term is a name's beginning (a surname), not any part of it.
    assert await _customer_ids(ctx, root, "王") == [outcome.contact_id]
    assert await _customer_ids(ctx, root, "芳") == []
    assert await _customer_ids(ctx, root, "415 555-0123") == [outcome.contact_id]
    assert await _customer_ids(ctx, root, "chen_own@exam") == [world.contacts["chen_own"]]
    async with ctx.store.read() as session:
        results = await search(session, root, "Chen Own")
    assert [hit.contact_id for hit in results.customers] == [world.contacts["chen_own"]]
    assert str(results.customers[0].name) == "<mark>Chen</mark> <mark>Own</mark>"


async def test_the_index_follows_replies_and_merges(ctx: JobContext) -> None:
    world = await build_world(ctx)
    root = await _viewer(ctx, world, "root")
    outcome = await do_reply(
        ctx.store,
        conversation_id=world.conversations["shared_queue"],
        agent_id=world.people["root"],
        text="Checked with housekeeping: the towels are on their way.",
        note=True,
    )
    assert await _message_ids(ctx, root, "housekeeping") == [outcome.message_id]
    survivor, merged = world.contacts["chen_own"], world.contacts["marcus_own"]
    await do_merge_contacts(ctx.store, survivor_id=survivor, merged_id=merged, actor_agent_id=world.people["root"])
    # The merged record is gone from the results; its address now finds the survivor.
    assert await _customer_ids(ctx, root, "marcus_own@example.com") == [survivor]
    assert merged not in await _customer_ids(ctx, root, "Marcus Own")


async def test_after_erasure_search_finds_nothing_of_the_customer(ctx: JobContext) -> None:
    world = await build_world(ctx)
    root = await _viewer(ctx, world, "root")
    erased = world.contacts["front_queue"]
    await _say(ctx, world.conversations["front_queue"], "My room number is 4711 and my dog is called Bruno.")
    await _say(ctx, world.conversations["shared_queue"], "Bruno the dog belongs to somebody else.")
    async with ctx.store.write() as session:
        contact = await session.get(Contact, erased)
        assert contact is not None
        contact.name = "Erika Mustermann"
    assert len(await _message_ids(ctx, root, "Bruno")) == 2
    assert await _customer_ids(ctx, root, "Mustermann") == [erased]

    await do_erase_customer(ctx.store, ctx.blobs, erased, actor_agent_id=world.people["root"])

    for query in ("Bruno", "room number", "About front_queue", "Mustermann", "front_queue@example", "erased"):
        async with ctx.store.read() as session:
            results = await search(session, root, query)
        assert all(hit.contact_id != erased for hit in results.messages), query
        assert all(hit.contact_id != erased for hit in results.customers), query
    assert len(await _message_ids(ctx, root, "Bruno")) == 1
    if ctx.store.is_sqlite:
        # The index itself holds nothing of them: no customer row, and no message text left to match.
        async with ctx.store.read() as session:
            rows = await session.execute(text("SELECT rowid FROM search_contacts WHERE search_contacts MATCH 'muster'"))
            assert rows.all() == []
            hits = await session.execute(
                text("SELECT count(*) FROM search_messages WHERE search_messages MATCH '4711'")
            )
            assert hits.scalar_one() == 0


async def test_sensitive_fields_are_never_searchable(ctx: JobContext) -> None:
    world = await build_world(ctx)
    root = await _viewer(ctx, world, "root")
    async with keyed_store(ctx.settings, KEY_A) as store:
        async with store.write() as session:
            contact = await session.get(Contact, world.contacts["shared_queue"])
            assert contact is not None
            contact.health_notes = "allergic to penicillin"
            contact.id_document_number = "X99887766"
        for query in ("penicillin", "X99887766"):
            async with store.read() as session:
                results = await search(session, root, query)
            assert results.messages == [] and results.customers == []


async def test_a_common_word_ranks_only_the_newest_candidates_and_says_so(ctx: JobContext) -> None:
    world = await build_world(ctx)
    root = await _viewer(ctx, world, "root")
    async with ctx.store.write() as session:
        session.add_all(
            Message(
                conversation_id=world.conversations["shared_queue"],
                direction="inbound",
                channel="email",
                text=f"booking number {n}",
                delivery_status="received",
            )
            for n in range(CANDIDATES + 5)
        )
        identity = ContactIdentity(contact_id=world.contacts["shared_queue"], kind="email", value="x@booking.example")
        session.add(identity)
    async with ctx.store.read() as session:
        results = await search(session, root, "booking number")
    assert results.truncated and results.has_next and len(results.messages) == 20


# The latest messages are searched first, the index then finds the rest among the older ones: the two steps
# together give what one search of everything would, whichever step the matches fall in.
@pytest.mark.parametrize("window", [1, 3, 6, 1000])
async def test_the_recent_window_and_the_older_messages_together_find_the_same(
    ctx: JobContext, monkeypatch: pytest.MonkeyPatch, window: int
) -> None:
    world = await build_world(ctx)
    chen, root = await _viewer(ctx, world, "chen"), await _viewer(ctx, world, "root")
    said = []
    for key in ("chen_own", "billing_own", "front_queue", "shared_queue", "billing_queue", "chen_own"):
        said.append((key, await _say(ctx, world.conversations[key], f"parcel lost on the way to {key}")))
        await _say(ctx, world.conversations[key], "nothing to see here")
    monkeypatch.setattr(search_module, "RECENT_WINDOW", window)
    monkeypatch.setattr(search_module, "WIDEST_WINDOW", window)
    monkeypatch.setattr(search_module, "CANDIDATES", 4)
    newest_first = [message_id for _, message_id in reversed(said)]
    async with ctx.store.read() as session:
        everything = await search(session, root, "parcel lost")
        reachable = await search(session, chen, "parcel lost")
    assert sorted((hit.message_id for hit in everything.messages), reverse=True) == newest_first[:4]
    assert everything.truncated
    # Chen reaches his own conversation, his team's waiting one and the shared queue, not Billing's.
    chens = [message_id for key, message_id in reversed(said) if key in ("chen_own", "front_queue", "shared_queue")]
    assert sorted((hit.message_id for hit in reachable.messages), reverse=True) == chens
    assert not reachable.truncated

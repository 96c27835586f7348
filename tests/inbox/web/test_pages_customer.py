from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from sqlalchemy import select, text

from inbox.models import Contact, Conversation, Event
from tests.support.privacy import KEY_A, keyed_store, with_keys
from tests.support.web import build_app, build_world, client_for, page_token, sign_in
from workers.context import JobContext


@pytest.fixture
async def keyed(ctx: JobContext) -> AsyncIterator[JobContext]:
    """The test's context with an encryption key, so sensitive values can be stored and shown masked."""
    async with keyed_store(ctx.settings, KEY_A) as store:
        yield replace(ctx, store=store, settings=with_keys(ctx.settings, KEY_A))


async def test_the_customer_page_shows_the_panel_and_audits_the_read(keyed: JobContext) -> None:
    world = await build_world(keyed)
    contact_id = world.contacts["chen_own"]
    async with keyed.store.write() as session:
        contact = await session.get(Contact, contact_id)
        assert contact is not None
        contact.id_document_number = "E55501234"
        contact.custom_attributes = {"passport_note": "drawer 4", "room": "1208"}
        conversation = await session.get(Conversation, world.conversations["chen_own"])
        assert conversation is not None
        conversation.is_complaint = True
    async with client_for(build_app(keyed)) as client:
        await sign_in(client, world.emails["chen"])
        page = await client.get(f"/customers/{contact_id}")
        assert page.status_code == 200
        assert "chen_own@example.com" in page.text and "gold" in page.text
        assert "Contacts handled" in page.text and "No survey answers yet" in page.text
        assert "About chen_own" in page.text and "Open complaints" in page.text
        # Sensitive values are masked (the last four of a document number help confirm an identity).
        assert "E55501234" not in page.text and "drawer 4" not in page.text and "•••• 1234" in page.text
        assert "1208" in page.text
        # An agent has no reveal button; the other team's customer and a marketer get nothing.
        assert "data-reveal=" not in page.text
        assert (await client.get(f"/customers/{world.contacts['billing_own']}")).status_code == 404
    async with client_for(build_app(keyed)) as client:
        await sign_in(client, world.emails["mia"])
        assert (await client.get(f"/customers/{contact_id}")).status_code == 404
    async with keyed.store.read() as session:
        reads = (await session.execute(select(Event).where(Event.kind == "contact.viewed"))).scalars().all()
    assert [(e.actor_agent_id, e.contact_id, e.data.get("via")) for e in reads] == [
        (world.people["chen"], contact_id, "customer page")
    ]


async def test_editing_is_audited_and_sensitive_values_never_appear_in_clear(keyed: JobContext) -> None:
    world = await build_world(keyed)
    contact_id = world.contacts["chen_own"]
    async with client_for(build_app(keyed)) as client:
        await sign_in(client, world.emails["olivia"])
        token = await page_token(client, f"/customers/{contact_id}")
        saved = await client.post(
            f"/customers/{contact_id}/edit",
            data={
                "csrf_token": token,
                "name": "Li Na",
                "language": "zh-CN",
                "timezone": "Asia/Shanghai",
                "region": "East China",
                "new_attribute": "room",
                "new_value": "1208",
                "secret:passport_note": "drawer 4",
            },
        )
        assert saved.status_code == 303
        page = await client.get(f"/customers/{contact_id}")
        assert "Saved." in page.text and "Li Na" in page.text and "East China" in page.text
        assert "drawer 4" not in page.text
        bad = await client.post(f"/customers/{contact_id}/edit", data={"csrf_token": token, "timezone": "Nowhere/X"})
        assert bad.status_code == 422 and "not a time zone" in bad.text
        emptied = await client.post(f"/customers/{contact_id}/edit", data={"csrf_token": token, "attr:room": ""})
        assert emptied.status_code == 303
    async with keyed.store.read() as session:
        contact = await session.get(Contact, contact_id)
        assert contact is not None
        assert contact.custom_attributes == {"region": "East China", "passport_note": "drawer 4"}
        edits = (await session.execute(select(Event).where(Event.kind == "contact.edited"))).scalars().all()
        raw = (await session.execute(text("SELECT CAST(data AS TEXT) FROM events"))).scalars().all()
        stored = (await session.execute(text("SELECT CAST(custom_attributes AS TEXT) FROM contacts"))).scalars().all()
    assert [e.data["after"].get("name") for e in edits] == ["Li Na", None]
    assert edits[0].data["sensitive_changed"] == ["passport_note"]
    assert not any("drawer 4" in row for row in raw)
    assert not any("drawer 4" in (row or "") for row in stored)


async def test_a_duplicate_is_found_confirmed_and_merged_from_the_page(keyed: JobContext) -> None:
    world = await build_world(keyed)
    survivor, duplicate = world.contacts["chen_own"], world.contacts["front_queue"]
    async with client_for(build_app(keyed)) as client:
        await sign_in(client, world.emails["olivia"])
        found = await client.get(f"/customers/{survivor}/merge", params={"q": "FRONT_QUEUE@example"})
        assert f"/customers/{survivor}/merge?other={duplicate}" in found.text
        # The other team's customer is not offered, even when it matches.
        assert (
            f"other={world.contacts['billing_own']}"
            not in (await client.get(f"/customers/{survivor}/merge", params={"q": "example.com"})).text
        )
        confirm = await client.get(f"/customers/{survivor}/merge", params={"other": duplicate})
        assert "I checked these are the same person" in confirm.text
        token = await page_token(client, f"/customers/{survivor}/merge?other={duplicate}")
        unconfirmed = await client.post(
            f"/customers/{survivor}/merge", data={"csrf_token": token, "other_id": duplicate}
        )
        assert unconfirmed.headers["location"] == f"/customers/{survivor}/merge?other={duplicate}"
        out_of_reach = await client.post(
            f"/customers/{survivor}/merge",
            data={"csrf_token": token, "other_id": world.contacts["billing_own"], "confirm": "yes"},
        )
        assert out_of_reach.status_code == 404
        merged = await client.post(
            f"/customers/{survivor}/merge", data={"csrf_token": token, "other_id": duplicate, "confirm": "yes"}
        )
        assert merged.headers["location"] == f"/customers/{survivor}"
        page = await client.get(f"/customers/{survivor}")
        assert "front_queue@example.com" in page.text and f"Merged customer #{duplicate}" in page.text
        assert (await client.get(f"/customers/{duplicate}")).status_code == 404
    async with keyed.store.read() as session:
        gone = await session.get(Contact, duplicate)
        audit = (await session.execute(select(Event).where(Event.kind == "contact.merged"))).scalar_one()
    assert gone is not None and gone.merged_into_id == survivor
    assert (audit.actor_agent_id, audit.contact_id, audit.data["merged_contact_id"]) == (
        world.people["olivia"],
        survivor,
        duplicate,
    )

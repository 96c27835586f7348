from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select, text

from inbox.actions.customer_edit import CustomerEdit, EditRefused, do_edit_customer
from inbox.models import Contact, Event
from inbox.store import Store
from tests.support.privacy import KEY_A, keyed_store
from tests.support.web import build_world
from workers.context import JobContext


@pytest.fixture
async def store(ctx: JobContext) -> AsyncIterator[Store]:
    async with keyed_store(ctx.settings, KEY_A) as keyed:
        yield keyed


async def test_an_edit_is_applied_and_audited_with_before_and_after(ctx: JobContext, store: Store) -> None:
    world = await build_world(ctx)
    contact_id = world.contacts["chen_own"]
    edit = CustomerEdit(
        name="Li  Na",
        language="zh-CN",
        timezone="Asia/Shanghai",
        region="East China",
        attributes={"room": "1208", "passport_note": "drawer 4"},
    )
    assert await do_edit_customer(store, contact_id, edit, actor_agent_id=world.people["olivia"])
    assert not await do_edit_customer(store, contact_id, edit, actor_agent_id=world.people["olivia"])
    async with store.read() as session:
        contact = await session.get(Contact, contact_id)
        assert contact is not None
        assert (contact.name, contact.language, contact.timezone) == ("Li Na", "zh-CN", "Asia/Shanghai")
        assert contact.custom_attributes == {"room": "1208", "passport_note": "drawer 4", "region": "East China"}
        edits = (await session.execute(select(Event).where(Event.kind == "contact.edited"))).scalars().all()
        raw_audit = (await session.execute(text("SELECT CAST(data AS TEXT) FROM events"))).scalars().all()
    assert len(edits) == 1
    entry = edits[0]
    assert entry.actor_agent_id == world.people["olivia"] and entry.contact_id == contact_id
    assert entry.data["before"]["name"] == "Chen Own" and entry.data["after"]["name"] == "Li Na"
    assert entry.data["after"]["attributes.region"] == "East China"
    assert entry.data["sensitive_changed"] == ["passport_note"]
    # The sensitive value is sealed in the record and never written to the audit trail in clear.
    assert not any("drawer 4" in row for row in raw_audit)
    assert "attributes.passport_note" not in entry.data["after"]


async def test_bad_values_and_unreachable_customers_are_refused(ctx: JobContext, store: Store) -> None:
    world = await build_world(ctx)
    mine = world.contacts["chen_own"]
    for edit in (
        CustomerEdit(timezone="Mars/Olympus"),
        CustomerEdit(language="english!"),
        CustomerEdit(attributes={"1x": "y"}),
    ):
        with pytest.raises(EditRefused):
            await do_edit_customer(store, mine, edit, actor_agent_id=world.people["chen"])
    with pytest.raises(EditRefused, match="within your reach"):
        await do_edit_customer(
            store, world.contacts["billing_own"], CustomerEdit(name="X"), actor_agent_id=world.people["chen"]
        )
    with pytest.raises(EditRefused, match="within your reach"):
        await do_edit_customer(store, mine, CustomerEdit(name="X"), actor_agent_id=world.people["mia"])
    with pytest.raises(EditRefused, match="supervisors and admins"):
        await do_edit_customer(
            store, mine, CustomerEdit(attributes={"passport_note": "x"}), actor_agent_id=world.people["chen"]
        )
    # Clearing works, and unchanged fields stay.
    await do_edit_customer(store, mine, CustomerEdit(region="North"), actor_agent_id=world.people["chen"])
    await do_edit_customer(store, mine, CustomerEdit(region=""), actor_agent_id=world.people["chen"])
    async with store.read() as session:
        contact = await session.get(Contact, mine)
        assert contact is not None and "region" not in contact.custom_attributes and contact.name == "Chen Own"

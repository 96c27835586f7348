from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from inbox.actions.privacy import RevealRefused, do_reveal_sensitive
from inbox.models import Contact, Event
from inbox.store import Store
from tests.support.factories import add_agent
from tests.support.privacy import KEY_A, keyed_store
from workers.context import JobContext


@pytest.fixture
async def store(ctx: JobContext) -> AsyncIterator[Store]:
    async with keyed_store(ctx.settings, KEY_A) as keyed:
        yield keyed


async def _customer(store: Store) -> int:
    async with store.write() as session:
        contact = Contact(
            name="Zhao Min",
            consent={},
            id_document_number="E55501234",
            custom_attributes={"passport_note": "drawer 4"},
        )
        session.add(contact)
        await session.flush()
        return contact.id


async def test_an_admin_reveals_a_field_and_the_reveal_is_audited(ctx: JobContext, store: Store) -> None:
    admin = await add_agent(ctx, "Ada Admin", role="admin")
    contact_id = await _customer(store)
    assert await do_reveal_sensitive(store, contact_id, "id_document_number", admin) == "E55501234"
    assert await do_reveal_sensitive(store, contact_id, "custom_attributes.passport_note", admin) == "drawer 4"
    assert await do_reveal_sensitive(store, contact_id, "health_notes", admin) is None
    async with store.read() as session:
        events = (await session.execute(select(Event).where(Event.kind == "contact.sensitive_revealed"))).scalars()
        reveals = [(e.actor_agent_id, e.contact_id, e.data["field"]) for e in events]
        texts = [str(e.data) for e in (await session.execute(select(Event))).scalars()]
    assert reveals == [
        (admin, contact_id, "id_document_number"),
        (admin, contact_id, "custom_attributes.passport_note"),
        (admin, contact_id, "health_notes"),
    ]
    assert not any("E55501234" in text or "drawer 4" in text for text in texts)


async def test_an_agent_may_not_reveal(ctx: JobContext, store: Store) -> None:
    agent = await add_agent(ctx, "Al Agent", role="agent")
    contact_id = await _customer(store)
    with pytest.raises(RevealRefused, match="supervisors and admins"):
        await do_reveal_sensitive(store, contact_id, "id_document_number", agent)


async def test_a_supervisor_may_not_reveal_a_customer_outside_their_teams(ctx: JobContext, store: Store) -> None:
    supervisor = await add_agent(ctx, "Sue Supervisor", role="supervisor", team="Hotels")
    contact_id = await _customer(store)
    with pytest.raises(RevealRefused, match="within your reach"):
        await do_reveal_sensitive(store, contact_id, "id_document_number", supervisor)


@pytest.mark.parametrize("field", ["name", "custom_attributes.floor"])
async def test_only_sensitive_fields_go_through_reveal(ctx: JobContext, store: Store, field: str) -> None:
    admin = await add_agent(ctx, "Ada Admin", role="admin")
    contact_id = await _customer(store)
    with pytest.raises(RevealRefused):
        await do_reveal_sensitive(store, contact_id, field, admin)

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from channels.base import ChannelName
from inbox.actions.merge import MergeRefused, do_merge_contacts
from inbox.models import Contact, ContactIdentity, Conversation, Event
from tests.support.factories import inbound, ingest, update_contact
from workers.context import JobContext


async def test_a_merge_keeps_every_identity_and_conversation_and_is_audited(ctx: JobContext) -> None:
    by_mail = await ingest(ctx, inbound(ChannelName.EMAIL, "e1@example.com"))
    by_text = await ingest(ctx, inbound(ChannelName.SMS, "SM1"))
    assert by_mail.contact_id != by_text.contact_id
    await update_contact(ctx, by_mail.contact_id, realised_value=Decimal(100), consent={"sms": True})
    await update_contact(ctx, by_text.contact_id, realised_value=Decimal(50), consent={"sms": False})
    await do_merge_contacts(
        ctx.store, survivor_id=by_mail.contact_id, merged_id=by_text.contact_id, actor_agent_id=None
    )
    async with ctx.store.read() as session:
        kinds = (
            (
                await session.execute(
                    select(ContactIdentity.kind).where(ContactIdentity.contact_id == by_mail.contact_id)
                )
            )
            .scalars()
            .all()
        )
        owners = (await session.execute(select(Conversation.contact_id))).scalars().all()
        survivor = await session.get(Contact, by_mail.contact_id)
        merged = await session.get(Contact, by_text.contact_id)
        event = (await session.execute(select(Event).where(Event.kind == "contact.merged"))).scalar_one()
    assert sorted(kinds) == ["email", "phone"]
    assert set(owners) == {by_mail.contact_id}
    assert survivor is not None and survivor.realised_value == Decimal(150)
    assert survivor.consent["sms"] is False, "an opt-out on either record must survive the merge"
    assert merged is not None and merged.merged_into_id == by_mail.contact_id
    assert event.data["identities_moved"] == 1 and event.data["conversations_moved"] == 1
    # New messages from the merged identity reach the surviving record.
    again = await ingest(ctx, inbound(ChannelName.SMS, "SM2"))
    assert again.contact_id == by_mail.contact_id


async def test_a_contact_cannot_be_merged_into_itself(ctx: JobContext) -> None:
    outcome = await ingest(ctx, inbound())
    with pytest.raises(MergeRefused):
        await do_merge_contacts(
            ctx.store, survivor_id=outcome.contact_id, merged_id=outcome.contact_id, actor_agent_id=None
        )


async def test_a_merge_carries_sealed_fields_the_survivor_lacks(ctx: JobContext) -> None:
    from tests.support.privacy import KEY_A, keyed_store

    by_mail = await ingest(ctx, inbound(ChannelName.EMAIL, "e1@example.com"))
    by_text = await ingest(ctx, inbound(ChannelName.SMS, "SM1"))
    async with keyed_store(ctx.settings, KEY_A) as store:
        async with store.write() as session:
            survivor = await session.get(Contact, by_mail.contact_id)
            merged = await session.get(Contact, by_text.contact_id)
            assert survivor is not None and merged is not None
            survivor.health_notes = "vegetarian"
            merged.health_notes = "vegan"
            merged.id_document_number = "G1234567"
        await do_merge_contacts(
            store, survivor_id=by_mail.contact_id, merged_id=by_text.contact_id, actor_agent_id=None
        )
        async with store.read() as session:
            kept = await session.get(Contact, by_mail.contact_id)
    assert kept is not None
    assert (kept.health_notes, kept.id_document_number) == ("vegetarian", "G1234567")

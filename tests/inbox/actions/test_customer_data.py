"""Export then erase: the customer's copy holds everything, and afterwards nothing personal is left."""

from __future__ import annotations

import json
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, or_, select

from channels.base import Attachment as FileIn
from channels.base import ChannelName, Identity, IdentityKind
from inbox.actions.customer_erase import TOMBSTONE, do_erase_customer
from inbox.actions.customer_export import do_export_customer
from inbox.actions.merge import do_merge_contacts
from inbox.actions.privacy import AdminRequired
from inbox.actions.record_read import do_record_contact_read
from inbox.models import Attachment, Contact, ContactIdentity, Conversation, Event, Message, RawPayload
from inbox.store import Store
from tests.support.factories import add_agent, inbound, ingest, update_contact
from tests.support.privacy import KEY_A, keyed_store
from workers.context import JobContext

PRIVATE_PDF = b"%PDF alice's passport scan"
SHARED_PDF = b"%PDF the hotel's brochure"
BIG_RAW = b"From: alice@example.com\r\n\r\n" + b"x" * 300_000


async def _alice(ctx: JobContext, store: Store) -> dict[str, int]:
    first = await ingest(
        ctx,
        inbound(
            external_id="a1@x",
            text="My passport number is E12345678, please note it.",
            attachments=(
                FileIn("passport.pdf", "application/pdf", PRIVATE_PDF),
                FileIn("brochure.pdf", "application/pdf", SHARED_PDF),
            ),
            raw=BIG_RAW,
        ),
    )
    await ingest(ctx, inbound(external_id="a2@x", text="Also, I am vegetarian.", raw=b"small raw from alice"))
    phone = await ingest(ctx, inbound(ChannelName.SMS, "SM1", text="Alice here, texting from my phone"))
    bob = await ingest(
        ctx,
        inbound(
            external_id="b1@x",
            sender=Identity(IdentityKind.EMAIL, "bob@example.com", "Bob"),
            attachments=(FileIn("brochure.pdf", "application/pdf", SHARED_PDF),),
        ),
    )
    await do_merge_contacts(ctx.store, survivor_id=first.contact_id, merged_id=phone.contact_id, actor_agent_id=None)
    admin = await add_agent(ctx, "Ada Admin", role="admin")
    await do_record_contact_read(ctx.store, actor_agent_id=admin, contact_id=first.contact_id, via="web")
    await update_contact(ctx, first.contact_id, consent={"email": True, "sms": False})
    async with store.write() as session:
        contact = await session.get(Contact, first.contact_id)
        assert contact is not None
        contact.id_document_number = "E12345678"
        contact.date_of_birth = date(1990, 5, 6)
        contact.income = Decimal("64000.00")
        contact.custom_attributes = {"passport_note": "kept at desk", "floor": "high"}
    return {"alice": first.contact_id, "phone": phone.contact_id, "bob": bob.contact_id, "admin": admin}


async def test_export_then_erase(ctx: JobContext, tmp_path: Path) -> None:
    async with keyed_store(ctx.settings, KEY_A) as store:
        ids = await _alice(ctx, store)
        out = tmp_path / "alice.zip"
        summary = await do_export_customer(store, ctx.blobs, ids["alice"], out, actor_agent_id=ids["admin"])
        with zipfile.ZipFile(out) as archive:
            names = set(archive.namelist())
            profile = json.loads(archive.read("profile.json"))
            identities = json.loads(archive.read("identities.json"))
            conversations = json.loads(archive.read("conversations.json"))
            audit_trail = json.loads(archive.read("audit.json"))
            consents = json.loads(archive.read("consents.json"))
            files = {name: archive.read(name) for name in names if name.startswith(("attachments/", "raw/"))}

        assert profile["id_document_number"] == "E12345678" and profile["date_of_birth"] == "1990-05-06"
        assert profile["income"] == "64000.00" and profile["custom_attributes"]["passport_note"] == "kept at desk"
        assert [m["id"] for m in profile["merged_records"]] == [ids["phone"]]
        assert {(i["kind"], i["value"]) for i in identities} == {
            ("email", "alice@example.com"),
            ("phone", "+14155550100"),
        }
        texts = [m["text"] for c in conversations for m in c["messages"]]
        assert sorted(texts) == sorted(
            [
                "My passport number is E12345678, please note it.",
                "Also, I am vegetarian.",
                "Alice here, texting from my phone",
            ]
        )
        assert consents == {"by_channel": {"email": True, "sms": False}}
        assert {"contact.viewed", "contact.merged"} <= {e["kind"] for e in audit_trail}
        assert sorted(files.values()) == sorted([PRIVATE_PDF, SHARED_PDF, BIG_RAW, b"small raw from alice"])
        assert (summary.messages, summary.files, summary.missing_files) == (3, 4, 0)

        erased = await do_erase_customer(store, ctx.blobs, ids["alice"], actor_agent_id=ids["admin"])
        assert erased.contact_ids == [ids["alice"], ids["phone"]]
        assert (erased.messages, erased.identities, erased.attachments) == (3, 2, 2)

        async with store.read() as session:
            people = (
                (await session.execute(select(Contact).where(Contact.id.in_([ids["alice"], ids["phone"]]))))
                .scalars()
                .all()
            )
            identities_left = (
                await session.execute(
                    select(func.count()).where(ContactIdentity.contact_id.in_([ids["alice"], ids["phone"]]))
                )
            ).scalar_one()
            conversations_of_alice = select(Conversation.id).where(Conversation.contact_id == ids["alice"])
            messages = (
                (await session.execute(select(Message).where(Message.conversation_id.in_(conversations_of_alice))))
                .scalars()
                .all()
            )
            attachments_left = (await session.execute(select(Attachment.filename))).scalars().all()
            raws_left = (await session.execute(select(func.count()).select_from(RawPayload))).scalar_one()
            found_by_search = (
                await session.execute(
                    select(func.count())
                    .select_from(Message)
                    .where(
                        or_(
                            Message.text.contains("passport"),
                            Message.text.contains("vegetarian"),
                            Message.text.contains("Alice"),
                        )
                    )
                )
            ).scalar_one()
            erasure = (await session.execute(select(Event).where(Event.kind == "contact.erased"))).scalar_one()

    for person in people:
        assert person.erased_at is not None and person.name is None and person.id_document_number is None
        assert person.date_of_birth is None and person.income is None and person.custom_attributes == {}
        assert person.consent == {}
    assert identities_left == 0
    assert len(messages) == 3 and all(m.text == TOMBSTONE and m.raw_sha256 is None for m in messages)
    assert attachments_left == ["brochure.pdf"]  # Bob's
    assert raws_left == 0 and erased.raw_payloads == 2
    assert found_by_search == 0
    assert not ctx.blobs.exists(FileIn("a", "b", PRIVATE_PDF).sha256)
    assert not ctx.blobs.exists(FileIn("a", "b", BIG_RAW).sha256)
    assert ctx.blobs.exists(FileIn("a", "b", SHARED_PDF).sha256)
    assert erasure.actor_agent_id == ids["admin"] and erasure.contact_id == ids["alice"]
    assert erasure.data["messages"] == 3 and erasure.data["merged_records"] == [ids["phone"]]


async def test_only_an_admin_exports_or_erases(ctx: JobContext, tmp_path: Path) -> None:
    async with keyed_store(ctx.settings, KEY_A) as store:
        ids = await _alice(ctx, store)
        supervisor = await add_agent(ctx, "Sue Supervisor", role="supervisor")
        with pytest.raises(AdminRequired):
            await do_export_customer(store, ctx.blobs, ids["alice"], tmp_path / "x.zip", actor_agent_id=supervisor)
        with pytest.raises(AdminRequired):
            await do_erase_customer(store, ctx.blobs, ids["alice"], actor_agent_id=supervisor)
        async with store.read() as session:
            contact = await session.get(Contact, ids["alice"])
    assert not (tmp_path / "x.zip").exists()
    assert contact is not None and contact.erased_at is None and contact.id_document_number == "E12345678"

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest
from sqlalchemy import select

from inbox.models import Contact, ContactIdentity, Event, Message
from tests.support.privacy import KEY_A, keyed_store, with_keys
from tests.support.web import World, build_app, build_world, client_for, page_token, sign_in
from workers.context import JobContext


@pytest.fixture
async def keyed(ctx: JobContext) -> AsyncIterator[JobContext]:
    async with keyed_store(ctx.settings, KEY_A) as store:
        yield replace(ctx, store=store, settings=with_keys(ctx.settings, KEY_A))


async def _world_with_secrets(ctx: JobContext) -> World:
    world = await build_world(ctx)
    for key in ("chen_own", "billing_own"):
        async with ctx.store.write() as session:
            contact = await session.get(Contact, world.contacts[key])
            assert contact is not None
            contact.id_document_number = f"E555{key[:4].upper()}99"
            contact.custom_attributes = {"passport_note": f"drawer of {key}"}
    return world


async def _reveal(client: httpx.AsyncClient, contact_id: int, field: str) -> tuple[int, dict[str, object]]:
    token = await page_token(client, "/notifications")
    response = await client.post(f"/customers/{contact_id}/reveal", data={"csrf_token": token, "field": field})
    return response.status_code, response.json() if response.headers["content-type"].startswith(
        "application/json"
    ) else {}


async def test_only_supervisors_and_admins_reveal_and_each_reveal_is_audited(keyed: JobContext) -> None:
    world = await _world_with_secrets(keyed)
    mine = world.contacts["chen_own"]
    async with client_for(build_app(keyed)) as client:
        await sign_in(client, world.emails["chen"])
        status, body = await _reveal(client, mine, "id_document_number")
        assert status == 403 and "supervisors and admins" in str(body["detail"])
    async with client_for(build_app(keyed)) as client:
        await sign_in(client, world.emails["olivia"])
        page = await client.get(f"/customers/{mine}")
        assert 'data-reveal="id_document_number"' in page.text and "E555CHEN99" not in page.text
        assert await _reveal(client, mine, "id_document_number") == (
            200,
            {"field": "id_document_number", "value": "E555CHEN99"},
        )
        assert (await _reveal(client, mine, "custom_attributes.passport_note"))[1]["value"] == "drawer of chen_own"
        assert (await _reveal(client, mine, "name"))[0] == 403
        # The other team's customer is out of reach altogether.
        assert (await _reveal(client, world.contacts["billing_own"], "id_document_number"))[0] == 404
    async with client_for(build_app(keyed)) as client:
        await sign_in(client, world.emails["mia"])
        assert (await _reveal(client, mine, "id_document_number"))[0] == 404
    async with keyed.store.read() as session:
        reveals = (
            (await session.execute(select(Event).where(Event.kind == "contact.sensitive_revealed").order_by(Event.id)))
            .scalars()
            .all()
        )
    assert [(e.actor_agent_id, e.contact_id, e.data["field"]) for e in reveals] == [
        (world.people["olivia"], mine, "id_document_number"),
        (world.people["olivia"], mine, "custom_attributes.passport_note"),
    ]
    assert all(e.data["origin"].startswith("web from ") and e.created_at is not None for e in reveals)
    assert not any("E555CHEN99" in str(e.data) for e in reveals)


async def test_an_admin_exports_and_erases_with_confirmation_and_nobody_else_may(keyed: JobContext) -> None:
    world = await _world_with_secrets(keyed)
    mine = world.contacts["chen_own"]
    for person in ("chen", "olivia"):
        async with client_for(build_app(keyed)) as client:
            await sign_in(client, world.emails[person])
            token = await page_token(client, f"/customers/{mine}")
            assert "Export (zip)" not in (await client.get(f"/customers/{mine}")).text
            assert (await client.post(f"/customers/{mine}/export", data={"csrf_token": token})).status_code == 403
            assert (await client.get(f"/customers/{mine}/erase")).status_code == 403
            erase = await client.post(f"/customers/{mine}/erase", data={"csrf_token": token, "confirm": "ERASE"})
            assert erase.status_code == 403
    async with client_for(build_app(keyed)) as client:
        await sign_in(client, world.emails["root"])
        token = await page_token(client, f"/customers/{mine}")
        exported = await client.post(f"/customers/{mine}/export", data={"csrf_token": token})
        assert exported.status_code == 200 and exported.headers["content-type"] == "application/zip"
        with zipfile.ZipFile(io.BytesIO(exported.content)) as archive:
            profile = json.loads(archive.read("profile.json"))
        assert profile["id_document_number"] == "E555CHEN99"
        assert "Erase…" in (await client.get(f"/customers/{mine}")).text
        assert "cannot be undone" in (await client.get(f"/customers/{mine}/erase")).text
        unconfirmed = await client.post(f"/customers/{mine}/erase", data={"csrf_token": token, "confirm": "yes"})
        assert unconfirmed.status_code == 422
        erased = await client.post(f"/customers/{mine}/erase", data={"csrf_token": token, "confirm": "ERASE"})
        assert erased.headers["location"] == f"/customers/{mine}"
        after = await client.get(f"/customers/{mine}")
        assert "erased" in after.text and "chen_own@example.com" not in after.text
    assert not list((keyed.settings.data_dir / "exports").iterdir())
    async with keyed.store.read() as session:
        identities = (await session.execute(select(ContactIdentity).where(ContactIdentity.contact_id == mine))).all()
        texts = (await session.execute(select(Message.text))).scalars().all()
        kinds = [e.kind for e in (await session.execute(select(Event).where(Event.contact_id == mine))).scalars()]
    assert identities == [] and "Please move my booking." in texts  # the other customers' messages stay
    assert "contact.exported" in kinds and "contact.erased" in kinds

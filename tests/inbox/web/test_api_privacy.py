from __future__ import annotations

import io
import zipfile
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from sqlalchemy import select

from inbox.actions.api_tokens import do_issue_api_token
from inbox.models import Contact, ContactIdentity, Event
from tests.support.privacy import KEY_A, keyed_store, with_keys
from tests.support.web import World, build_app, build_world, client_for
from workers.context import JobContext


@pytest.fixture
async def keyed(ctx: JobContext) -> AsyncIterator[JobContext]:
    async with keyed_store(ctx.settings, KEY_A) as store:
        yield replace(ctx, store=store, settings=with_keys(ctx.settings, KEY_A))


async def _tokens(ctx: JobContext, world: World) -> dict[str, dict[str, str]]:
    headers = {}
    for person in ("chen", "olivia", "root", "mia"):
        issued = await do_issue_api_token(ctx.store, agent_id=world.people[person], name="t", actor_agent_id=None)
        headers[person] = {"Authorization": f"Bearer {issued.token}"}
    return headers


async def test_the_api_masks_reveals_exports_and_erases_by_permission(keyed: JobContext) -> None:
    world = await build_world(keyed)
    mine = world.contacts["chen_own"]
    async with keyed.store.write() as session:
        contact = await session.get(Contact, mine)
        assert contact is not None
        contact.health_notes = "allergic to peanuts"
    auth = await _tokens(keyed, world)
    async with client_for(build_app(keyed)) as client:
        masked = await client.get(f"/api/v1/contacts/{mine}/sensitive", headers=auth["chen"])
        assert masked.status_code == 200 and masked.json()["fields"]["health_notes"] == "••••"
        assert "peanuts" not in masked.text
        assert (await client.get(f"/api/v1/contacts/{mine}/sensitive", headers=auth["mia"])).status_code == 404
        other = world.contacts["billing_own"]
        assert (await client.get(f"/api/v1/contacts/{other}/sensitive", headers=auth["chen"])).status_code == 404

        body = {"field": "health_notes"}
        assert (
            await client.post(f"/api/v1/contacts/{mine}/reveal", json=body, headers=auth["chen"])
        ).status_code == 403
        revealed = await client.post(f"/api/v1/contacts/{mine}/reveal", json=body, headers=auth["olivia"])
        assert revealed.json() == {"field": "health_notes", "value": "allergic to peanuts"}
        assert (
            await client.post(f"/api/v1/contacts/{mine}/reveal", json=[], headers=auth["olivia"])
        ).status_code == 400

        assert (await client.post(f"/api/v1/contacts/{mine}/export", headers=auth["olivia"])).status_code == 403
        exported = await client.post(f"/api/v1/contacts/{mine}/export", headers=auth["root"])
        assert exported.status_code == 200
        with zipfile.ZipFile(io.BytesIO(exported.content)) as archive:
            assert "profile.json" in archive.namelist()

        refused = await client.post(f"/api/v1/contacts/{mine}/erase", json={"confirm": mine}, headers=auth["olivia"])
        assert refused.status_code == 403
        wrong = await client.post(f"/api/v1/contacts/{mine}/erase", json={"confirm": mine + 1}, headers=auth["root"])
        assert wrong.status_code == 400
        erased = await client.post(f"/api/v1/contacts/{mine}/erase", json={"confirm": mine}, headers=auth["root"])
        assert erased.status_code == 200 and erased.json()["contact_ids"] == [mine]
        assert (await client.post(f"/api/v1/contacts/{mine}/reveal", json=body)).status_code == 401
    async with keyed.store.read() as session:
        left = (await session.execute(select(ContactIdentity).where(ContactIdentity.contact_id == mine))).all()
        events = (await session.execute(select(Event).where(Event.contact_id == mine).order_by(Event.id))).scalars()
        kinds = [(e.kind, e.actor_agent_id) for e in events]
    assert left == []
    assert ("contact.sensitive_revealed", world.people["olivia"]) in kinds
    assert ("contact.exported", world.people["root"]) in kinds and ("contact.erased", world.people["root"]) in kinds

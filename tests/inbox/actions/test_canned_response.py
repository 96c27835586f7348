from __future__ import annotations

import pytest
from sqlalchemy import select

from inbox.access import load_viewer
from inbox.actions.canned_response import (
    CannedDraft,
    CannedRefused,
    do_delete_canned_response,
    do_save_canned_response,
)
from inbox.canned_responses import available
from inbox.models import CannedResponse, Event
from tests.support.web import build_world
from workers.context import JobContext


async def _shortcuts(ctx: JobContext, person: int) -> list[str]:
    async with ctx.store.read() as session:
        viewer = await load_viewer(session, person)
        assert viewer is not None
        return [c.shortcut for c in await available(session, viewer)]


async def test_supervisors_write_for_everyone_or_their_teams_and_agents_see_what_is_theirs(ctx: JobContext) -> None:
    world = await build_world(ctx)
    everyone = CannedDraft("Thanks", "Thank you", "Thank you, {{ customer.first_name }}!", None)
    front = CannedDraft(
        "late-checkout", "Late checkout", "Late checkout until 14:00 is arranged.", world.teams["Front desk"]
    )
    billing = CannedDraft("refund", "Refund", "Your refund is on its way.", world.teams["Billing"])
    await do_save_canned_response(ctx.store, everyone, actor_agent_id=world.people["olivia"])
    await do_save_canned_response(ctx.store, front, actor_agent_id=world.people["olivia"])
    with pytest.raises(CannedRefused, match="supervisors for their own teams"):
        await do_save_canned_response(ctx.store, billing, actor_agent_id=world.people["olivia"])
    with pytest.raises(CannedRefused):
        await do_save_canned_response(ctx.store, billing, actor_agent_id=world.people["chen"])
    refund_id = await do_save_canned_response(ctx.store, billing, actor_agent_id=world.people["root"])
    assert await _shortcuts(ctx, world.people["chen"]) == ["late-checkout", "thanks"]
    assert await _shortcuts(ctx, world.people["zhao"]) == ["refund", "thanks"]
    assert await _shortcuts(ctx, world.people["root"]) == ["late-checkout", "refund", "thanks"]
    with pytest.raises(CannedRefused, match="taken"):
        await do_save_canned_response(ctx.store, everyone, actor_agent_id=world.people["root"])
    edited = CannedDraft("refund", "Refund sent", "Refund sent.", world.teams["Billing"])
    assert (
        await do_save_canned_response(ctx.store, edited, actor_agent_id=world.people["sofia"], canned_id=refund_id)
        == refund_id
    )
    with pytest.raises(CannedRefused):
        await do_delete_canned_response(ctx.store, refund_id, actor_agent_id=world.people["olivia"])
    assert await do_delete_canned_response(ctx.store, refund_id, actor_agent_id=world.people["sofia"])
    async with ctx.store.read() as session:
        assert (await session.execute(select(CannedResponse.shortcut))).scalars().all() != []
        kinds = [e.kind for e in (await session.execute(select(Event).order_by(Event.id))).scalars()]
    assert kinds.count("canned_response.saved") == 4 and kinds.count("canned_response.deleted") == 1


async def test_a_template_that_does_not_parse_is_not_saved(ctx: JobContext) -> None:
    world = await build_world(ctx)
    with pytest.raises(CannedRefused, match="does not parse"):
        await do_save_canned_response(
            ctx.store, CannedDraft("broken", "Broken", "Hi {% if %}", None), actor_agent_id=world.people["root"]
        )

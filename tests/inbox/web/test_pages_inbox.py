from __future__ import annotations

import re

from inbox.models import Conversation
from tests.support.web import build_app, build_world, client_for, sign_in
from workers.context import JobContext


def _listed(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'data-conversation="(\d+)"', html)]


def _count(html: str, view: str) -> int:
    found = re.search(rf'data-view="{view}">[^<]*<span class="count">(\d+)</span>', html)
    assert found is not None, view
    return int(found.group(1))


async def test_an_agent_has_three_views_with_counts(ctx: JobContext) -> None:
    world = await build_world(ctx)
    ids = world.conversations
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, world.emails["chen"])
        mine = await client.get("/")
        assert _listed(mine.text) == [ids["chen_own"]]
        assert (_count(mine.text, "mine"), _count(mine.text, "unassigned"), _count(mine.text, "teams")) == (1, 2, 2)
        assert 'data-view="all"' not in mine.text
        unassigned = await client.get("/?view=unassigned")
        assert set(_listed(unassigned.text)) == {ids["front_queue"], ids["shared_queue"]}
        assert (await client.get("/?view=all")).status_code == 404


async def test_a_supervisor_sees_all_of_their_team_in_serving_order(ctx: JobContext) -> None:
    world = await build_world(ctx)
    ids = world.conversations
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, world.emails["olivia"])
        everything = await client.get("/?view=all")
        # gold before silver before bronze; the two silvers by age (marcus_own arrived before shared_queue).
        assert _listed(everything.text) == [ids["chen_own"], ids["marcus_own"], ids["shared_queue"], ids["front_queue"]]
        assert _count(everything.text, "all") == 4


async def test_filters_narrow_the_list_and_its_counts(ctx: JobContext) -> None:
    world = await build_world(ctx)
    ids = world.conversations
    async with ctx.store.write() as session:
        conversation = await session.get(Conversation, ids["billing_queue"])
        assert conversation is not None
        conversation.is_complaint = True
        conversation.labels = ["refund", "vip_100%"]
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, world.emails["root"])
        assert _listed((await client.get("/?view=all&complaint=yes")).text) == [ids["billing_queue"]]
        assert _listed((await client.get("/?view=all&label=vip_100%25")).text) == [ids["billing_queue"]]
        assert _listed((await client.get("/?view=all&label=vip")).text) == []
        assert _listed((await client.get("/?view=all&tier=platinum")).text) == [ids["billing_own"]]
        team = world.teams["Billing"]
        by_team = await client.get(f"/?view=all&team={team}")
        assert set(_listed(by_team.text)) == {ids["billing_own"], ids["billing_queue"]}
        assert _count(by_team.text, "all") == 2
        assert _listed((await client.get("/?view=all&status=resolved")).text) == []
        assert len(_listed((await client.get("/?view=all&status=any&channel=email")).text)) == 6
        assert (await client.get("/?view=all&channel=pigeon")).status_code == 400


async def test_a_marketer_has_no_inbox(ctx: JobContext) -> None:
    world = await build_world(ctx)
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, world.emails["mia"])
        response = await client.get("/")
        assert response.status_code == 403
        assert "About" not in response.text


async def test_customer_text_in_the_list_is_escaped(ctx: JobContext) -> None:
    world = await build_world(ctx)
    async with ctx.store.write() as session:
        conversation = await session.get(Conversation, world.conversations["chen_own"])
        assert conversation is not None
        conversation.subject = "<script>alert(1)</script>"
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, world.emails["chen"])
        page = await client.get("/")
        assert "<script>alert(1)</script>" not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]

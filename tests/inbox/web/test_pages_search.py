from __future__ import annotations

import re

from inbox.models import Message
from tests.support.web import build_app, build_world, client_for, sign_in
from workers.context import JobContext


async def _say(ctx: JobContext, conversation_id: int, body: str) -> int:
    async with ctx.store.write() as session:
        message = Message(
            conversation_id=conversation_id, direction="inbound", channel="email", text=body, delivery_status="received"
        )
        session.add(message)
        await session.flush()
        return message.id


def _hits(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'data-message="(\d+)"', html)]


async def test_the_header_search_box_leads_to_highlighted_results_in_reach(ctx: JobContext) -> None:
    world = await build_world(ctx)
    front = await _say(ctx, world.conversations["chen_own"], "客人说空调坏了，房间太热 <b>urgent</b>")
    await _say(ctx, world.conversations["billing_own"], "空调费用的发票")
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, world.emails["chen"])
        inbox = await client.get("/")
        assert 'action="/search"' in inbox.text and 'name="q"' in inbox.text
        page = await client.get("/search", params={"q": "空调坏"})
        assert page.status_code == 200 and _hits(page.text) == [front]
        assert f'href="/conversations/{world.conversations["chen_own"]}#message-{front}"' in page.text
        assert "客人说<mark>空调坏</mark>了" in page.text
        assert "&lt;b&gt;urgent&lt;/b&gt;" in page.text and "<b>urgent" not in page.text
        # Billing's message is out of Chen's reach; a two-character word says it searched the latest messages.
        short = await client.get("/search", params={"q": "空调"})
        assert _hits(short.text) == [front] and "latest" in short.text
        customers = await client.get("/search", params={"q": "chen own"})
        assert f'data-contact="{world.contacts["chen_own"]}"' in customers.text
        assert (await client.get("/search")).status_code == 200


async def test_a_marketer_cannot_search_and_anonymous_visitors_are_sent_to_sign_in(ctx: JobContext) -> None:
    world = await build_world(ctx)
    async with client_for(build_app(ctx)) as client:
        anonymous = await client.get("/search", params={"q": "booking"})
        assert anonymous.status_code in (302, 303, 307) and "/login" in anonymous.headers["location"]
        await sign_in(client, world.emails["mia"])
        assert (await client.get("/search", params={"q": "booking"})).status_code == 403

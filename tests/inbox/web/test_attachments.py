from __future__ import annotations

import re

from channels.base import Attachment, ChannelName, Identity, IdentityKind
from inbox.actions.transfer import do_assign_manually
from tests.support.factories import inbound, ingest
from tests.support.web import build_app, build_world, client_for, sign_in
from workers.context import JobContext

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


async def _with_files(ctx: JobContext) -> dict[str, int]:
    world = await build_world(ctx)
    sender = Identity(IdentityKind.EMAIL, "chen_own@example.com")
    files = (
        Attachment("room.png", "image/png", PNG),
        Attachment("drawing.svg", "image/svg+xml", SVG),
    )
    outcome = await ingest(
        ctx, inbound(ChannelName.EMAIL, external_id="files@example.com", sender=sender, attachments=files)
    )
    # Chen's own work, so out of the other team's reach.
    await do_assign_manually(
        ctx.store, conversation_id=outcome.conversation_id, agent_id=world.people["chen"], actor_agent_id=None
    )
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, world.emails["root"])
        page = await client.get(f"/conversations/{world.conversations['chen_own']}")
    links = dict(re.findall(r'<a href="/attachments/(\d+)"[^>]*>([^<]+)</a>', page.text))
    ids = {name: int(number) for number, name in links.items()}
    assert set(ids) == {"room.png", "drawing.svg"}
    return ids


async def test_images_show_inline_and_scriptable_types_only_download(ctx: JobContext) -> None:
    ids = await _with_files(ctx)
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, "chen@hub.example")
        image = await client.get(f"/attachments/{ids['room.png']}")
        drawing = await client.get(f"/attachments/{ids['drawing.svg']}")
    assert image.status_code == 200 and image.content == PNG
    assert image.headers["content-type"] == "image/png"
    assert image.headers["content-disposition"].startswith("inline")
    assert image.headers["content-security-policy"].startswith("sandbox")
    assert drawing.content == SVG and drawing.headers["content-type"] == "application/octet-stream"
    assert drawing.headers["content-disposition"] == 'attachment; filename="drawing.svg"'


async def test_an_attachment_is_as_private_as_its_conversation(ctx: JobContext) -> None:
    ids = await _with_files(ctx)
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, "zhao@hub.example")
        assert (await client.get(f"/attachments/{ids['room.png']}")).status_code == 404
        assert (await client.get("/attachments/999999")).status_code == 404

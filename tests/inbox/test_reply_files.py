from __future__ import annotations

import pytest

from channels.base import ChannelName
from channels.email.compose import compose_email
from channels.email.config import ComposeConfig
from channels.registry import ChannelRegistry
from inbox.actions.reply import ReplyRefused, do_reply
from inbox.reply_files import FilesRefused, Upload, check_uploads, parse_cc, store_uploads
from inbox.settings import CollaborationSection
from tests.support.factories import inbound, ingest
from tests.support.jobs import JobDriver
from tests.support.recording_channel import RecordingChannel
from tests.support.web import build_world
from workers.context import JobContext

LIMITS = CollaborationSection(max_attachment_bytes=2048, max_total_attachment_bytes=3000, max_attachments=2, max_cc=2)


def test_uploads_within_the_limits_are_cleaned() -> None:
    checked = check_uploads(
        [
            Upload("C:\\Users\\me\\invoice.pdf", "application/pdf; name=x", b"%PDF-1.4"),
            Upload("page.html", "text/html", b"<script>"),
            Upload("", "application/octet-stream", b""),
        ],
        LIMITS,
    )
    assert [(u.filename, u.content_type) for u in checked] == [
        ("invoice.pdf", "application/pdf"),
        ("page.html", "application/octet-stream"),
    ]


@pytest.mark.parametrize(
    "uploads",
    [
        [Upload("big.bin", "application/octet-stream", b"x" * 2049)],
        [Upload("a", "text/plain", b"x" * 1600), Upload("b", "text/plain", b"x" * 1600)],
        [Upload(str(n), "text/plain", b"x") for n in range(3)],
        [Upload("empty.txt", "text/plain", b"")],
    ],
)
def test_uploads_beyond_the_limits_are_refused(uploads: list[Upload]) -> None:
    with pytest.raises(FilesRefused):
        check_uploads(uploads, LIMITS)


def test_cc_addresses_are_parsed_and_checked() -> None:
    assert parse_cc("Boss <Boss@Example.com>; ops@example.com, boss@example.com", 5) == [
        "boss@example.com",
        "ops@example.com",
    ]
    assert parse_cc("  ", 5) == []
    with pytest.raises(FilesRefused):
        parse_cc("not-an-address", 5)
    with pytest.raises(FilesRefused):
        parse_cc("a@x.example, b@x.example, c@x.example", 2)


async def test_an_emailed_reply_carries_its_cc_and_files_to_the_channel(
    ctx: JobContext, jobs: JobDriver, channels: ChannelRegistry
) -> None:
    world = await build_world(ctx)
    stored = await store_uploads(
        ctx.blobs, check_uploads([Upload("plan.pdf", "application/pdf", b"%PDF-1.4 plan")], LIMITS)
    )
    outcome = await do_reply(
        ctx.store,
        conversation_id=world.conversations["chen_own"],
        agent_id=world.people["chen"],
        text="The plan is attached.",
        cc=["boss@example.com"],
        attachments=stored,
    )
    await jobs.drain()
    email = channels.get(ChannelName.EMAIL.value)
    assert isinstance(email, RecordingChannel)
    sent = [m for m in email.sent if m.message_id == outcome.message_id]
    assert len(sent) == 1
    assert sent[0].cc == ("boss@example.com",)
    assert [(a.filename, a.content_type, a.data) for a in sent[0].attachments] == [
        ("plan.pdf", "application/pdf", b"%PDF-1.4 plan")
    ]
    # The e-mail built from it carries the copy and the file.
    mail = compose_email(sent[0], ComposeConfig(from_address="support@hub.example")).message
    assert mail["Cc"] == "boss@example.com"
    parts = [part for part in mail.walk() if part.get_filename() == "plan.pdf"]
    assert len(parts) == 1 and parts[0].get_payload(decode=True) == b"%PDF-1.4 plan"
    assert "boss@example.com" in compose_email(sent[0], ComposeConfig(from_address="s@hub.example")).recipients


async def test_cc_or_files_on_a_channel_that_cannot_carry_them_are_refused(ctx: JobContext) -> None:
    sms = await ingest(ctx, inbound(ChannelName.SMS, external_id="SM1"))
    stored = await store_uploads(ctx.blobs, [Upload("a.txt", "text/plain", b"a")])
    with pytest.raises(ReplyRefused, match="only by email; this reply would go by sms"):
        await do_reply(ctx.store, conversation_id=sms.conversation_id, agent_id=None, text="hi", attachments=stored)
    with pytest.raises(ReplyRefused, match="only by email"):
        await do_reply(ctx.store, conversation_id=sms.conversation_id, agent_id=None, text="hi", cc=["a@b.example"])

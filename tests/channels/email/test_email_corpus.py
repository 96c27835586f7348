"""Every message in the shared corpus is either read or refused with a reason; nothing else may happen."""

from __future__ import annotations

from pathlib import Path

import pytest

from channels.base import ChannelName, UnparseableInput
from channels.email import EmailChannel, ParseConfig
from channels.email.config import ComposeConfig

CORPUS_EMAIL = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus" / "email"
FILES = sorted(path for path in CORPUS_EMAIL.rglob("*") if path.is_file())

CHANNEL = EmailChannel(ParseConfig(reply_domain="reply.hub.test"), ComposeConfig(from_address="s@hub.test"))


def test_corpus_is_present() -> None:
    assert len(FILES) > 300


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(CORPUS_EMAIL)) for p in FILES])
def test_corpus_message_parses_or_is_refused_with_reason(path: Path) -> None:
    raw = path.read_bytes()
    refusal: UnparseableInput | None = None
    try:
        messages = CHANNEL.parse(raw)
    except UnparseableInput as exc:
        refusal = exc
    if refusal is not None:
        assert refusal.reason.strip()
        return
    assert len(messages) == 1
    message = messages[0]
    assert message.channel is ChannelName.EMAIL
    assert message.external_id
    assert message.raw == raw
    assert message.sender is not None or message.metadata.get("delivery_report") == "1"
    assert "visible_text" in message.metadata
    if message.html is not None:
        lowered = message.html.lower()
        assert "<script" not in lowered
        assert "javascript:" not in lowered
    # Delivery reports are read without error too; they may or may not be bounces.
    CHANNEL.delivery_updates(raw)

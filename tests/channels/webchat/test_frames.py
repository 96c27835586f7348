"""Frames to messages: text kept verbatim, files recognised by content, limits enforced, raw re-parseable."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from channels.base import ChannelName, IdentityKind, InboundMessage, UnparseableInput
from channels.webchat.frames import FrameRefused, Limits, clean_email, envelope, parse_envelope, sniff, to_message

LIMITS = Limits(max_text_chars=100, max_upload_bytes=1024)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
PDF = b"%PDF-1.7\n" + b"0" * 40


def _message(frame: dict[str, Any]) -> InboundMessage:
    raw = envelope("v1", "site", "Mei", frame, "127.0.0.1")
    return to_message("v1", "site", "Mei", frame, LIMITS, raw)


def test_text_becomes_a_webchat_message_from_the_visitor() -> None:
    message = _message({"cid": "c1", "text": "  <script>x()</script> hi  "})
    assert message.channel is ChannelName.WEBCHAT
    assert message.sender is not None and message.sender.kind is IdentityKind.WEBCHAT
    assert message.sender.value == "v1" and message.sender.display_name == "Mei"
    assert message.text == "<script>x()</script> hi" and message.html is None
    assert message.external_id == "v1:c1" and message.thread.session_key == "v1"


def test_the_raw_envelope_parses_back_to_the_same_message() -> None:
    frame = {"cid": "c2", "text": "again", "file": {"name": "a.png", "data": base64.b64encode(PNG).decode()}}
    message = _message(frame)
    assert parse_envelope(message.raw, LIMITS) == message


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ({"cid": "c1", "text": "x" * 101}, "too_long"),
        ({"cid": "c1", "text": "   "}, "empty"),
        ({"cid": "bad id!", "text": "hi"}, "bad_frame"),
        ({"text": "hi"}, "bad_frame"),
        ({"cid": "c1", "file": {"name": "a.exe", "data": base64.b64encode(b"MZ\x90\x00" * 10).decode()}}, "bad_type"),
        ({"cid": "c1", "file": {"name": "big.png", "data": base64.b64encode(PNG * 100).decode()}}, "too_large"),
        ({"cid": "c1", "file": {"name": "x.png", "data": "***"}}, "bad_file"),
    ],
)
def test_refused_frames_say_why(frame: dict[str, object], code: str) -> None:
    with pytest.raises(FrameRefused) as refused:
        _message(frame)
    assert refused.value.code == code


def test_files_are_typed_by_their_content_not_their_name() -> None:
    frame = {"cid": "c1", "file": {"name": "../../etc/passwd.png", "data": base64.b64encode(PDF).decode()}}
    (attachment,) = _message(frame).attachments
    assert attachment.content_type == "application/pdf"
    assert "/" not in attachment.filename
    assert sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert sniff(b"GIF89a....") == "image/gif" and sniff(b"hello") is None


def test_unreadable_raw_is_refused_with_a_reason() -> None:
    with pytest.raises(UnparseableInput):
        parse_envelope(b"not json", LIMITS)
    with pytest.raises(UnparseableInput):
        parse_envelope(b'{"visitor": "v1", "inbox": "site"}', LIMITS)


def test_email_addresses_are_checked_and_lowercased() -> None:
    assert clean_email(" Mei@Example.COM ") == "mei@example.com"
    assert clean_email("mei@") is None and clean_email("a b@example.com") is None and clean_email(7) is None

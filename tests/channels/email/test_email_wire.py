from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from channels.base import Attachment, ChannelName, Identity, IdentityKind, OutboundMessage
from channels.email import ComposeConfig, compose_email
from channels.email.wire import compose_wire

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
CONFIG = ComposeConfig(
    from_address="offers@hub.test",
    from_name="Harbour Hotel",
    message_id_domain="hub.test",
    reply_domain="reply.hub.test",
    business_name="Harbour Hotel",
)
_BOUNDARY = re.compile(rb'boundary="([^"]+)"')


def _outbound(**overrides: object) -> OutboundMessage:
    values: dict[str, object] = {
        "channel": ChannelName.EMAIL,
        "message_id": 7,
        "to": Identity(IdentityKind.EMAIL, "guest7@example.com", "Guest Seven"),
        "text": "Dear Guest Seven,\n\nAs a silver member you save 15% this winter.\n",
        "html": "<p>Dear Guest Seven,</p><p>As a silver member you save 15% this winter.</p>",
        "subject": "Guest, your winter offer",
        "external_id_hint": "campaign.3.7.0a1b2c3d4e5f@hub.test",
        "metadata": {
            "template": "campaign",
            "lang": "en",
            "conversation_token": "tok12345",
            "unsubscribe_url": "https://hub.example.com/u/7/abcdef",
            "list_unsubscribe": "<https://hub.example.com/u/7/abcdef>",
            "list_unsubscribe_post": "List-Unsubscribe=One-Click",
        },
    }
    values.update(overrides)
    return OutboundMessage(**values)  # type: ignore[arg-type]


def _same_boundary(data: bytes) -> bytes:
    found = _BOUNDARY.search(data)
    assert found is not None
    return data.replace(found.group(1), b"BOUNDARY")


def _assert_same_bytes(outbound: OutboundMessage) -> None:
    composed = compose_email(outbound, CONFIG, now=NOW)
    wire = compose_wire(outbound, CONFIG, now=NOW)
    assert wire is not None
    assert _same_boundary(wire.data) == _same_boundary(composed.as_bytes())
    assert (wire.message_id, wire.recipients, wire.sender) == (
        composed.message_id,
        composed.recipients,
        composed.sender,
    )


LONG_URL = "https://hub.example.com/unsubscribe/" + "x" * 120


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"metadata": {"template": "campaign", "lang": "zh-CN", "unsubscribe_url": "https://hub.example.com/u/1"}},
        {
            "to": Identity(IdentityKind.EMAIL, "chen@example.cn", "陈静"),
            "subject": "陈静，您的冬季优惠已准备好：入住立享八五折，欢迎再次光临我们的酒店",
            "text": "尊敬的陈静：\n\n冬季入住立享八五折。\r\n期待您的光临。",
            "html": "<p>尊敬的陈静：</p><p>冬季入住立享八五折。</p>",
        },
        {"html": None, "text": "Line one\rline two\r\n\r\nline " + "long " * 300},
        {
            "subject": "A subject long enough that the generator has to fold it over more than one line, twice",
            "metadata": {
                "template": "campaign",
                "list_unsubscribe": f"<{LONG_URL}>, <mailto:unsubscribe@hub.test?subject=unsubscribe>",
                "list_unsubscribe_post": "List-Unsubscribe=One-Click",
                "unsubscribe_url": LONG_URL,
            },
        },
        {
            "metadata": {"conversation_token": "tok1", "signature": "Mia, front desk", "reference": "#88"},
            "in_reply_to": "<cust.1@example.com>",
            "references": tuple(f"<r{n}@example.com>" for n in range(30)),
            "cc": ("Bob <bob@example.com>", "Zoë Ünal <zoe@example.com>"),
            "reply_to": "desk@hub.test",
        },
        {"metadata": {"auto_submitted": "1", "lang": "en"}, "subject": "", "sender_address": "desk@hub.test"},
        {"to": Identity(IdentityKind.EMAIL, "plain@example.com", None), "subject": "Tab\tand  double  spaces"},
    ],
)
def test_writes_the_bytes_the_composer_and_generator_write(overrides: dict[str, object]) -> None:
    _assert_same_bytes(_outbound(**overrides))


def test_leaves_messages_with_attachments_to_the_general_composer() -> None:
    attachment = Attachment(filename="menu.pdf", content_type="application/pdf", data=b"%PDF-1.4")
    assert compose_wire(_outbound(attachments=(attachment,)), CONFIG, now=NOW) is None


def test_minted_message_id_is_the_one_in_the_header() -> None:
    wire = compose_wire(_outbound(external_id_hint=None), CONFIG, now=NOW)
    assert wire is not None
    assert wire.message_id.startswith("7.") and wire.message_id.endswith("@hub.test")
    assert f"Message-ID: <{wire.message_id}>\r\n".encode() in wire.data

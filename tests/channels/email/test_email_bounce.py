from __future__ import annotations

from pathlib import Path

import pytest

from channels.base import ChannelName, DeliveryStatus
from channels.email import parse_bounce

CORPUS_EMAIL = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus" / "email"
FLANKER_BOUNCES = CORPUS_EMAIL / "mailgun+flanker" / "tests" / "fixtures" / "messages" / "bounce"
MIKEL_REPORTS = CORPUS_EMAIL / "mikel+mail" / "spec" / "fixtures" / "emails" / "multipart_report_emails"


def test_mailbox_full_bounce() -> None:
    updates = parse_bounce((FLANKER_BOUNCES / "mailbox-full.eml").read_bytes())
    assert len(updates) == 1
    update = updates[0]
    assert update.channel is ChannelName.EMAIL
    assert update.status is DeliveryStatus.FAILED
    assert update.reference == "4E326A95.3010907@example.com"
    assert update.error_code == "5.2.2"
    assert update.reason == "user@aol.com: 552 5.2.2 E4.12 user MAILBOX FULL"


def test_bounce_with_returned_message_and_folded_diagnostic() -> None:
    (update,) = parse_bounce((FLANKER_BOUNCES / "zed.eml").read_bytes())
    assert update.reference == "20090708054735.GC7578@example.com"
    assert update.reason is not None
    assert "550-5.1.1 The email account that you tried to reach does not exist" in update.reason
    assert "\n" not in update.reason


def test_one_update_per_failed_recipient() -> None:
    updates = parse_bounce((MIKEL_REPORTS / "multi_address_bounce1.eml").read_bytes())
    assert len(updates) == 5
    assert {u.reference for u in updates} == {"118707422.15521266992174819.JavaMail.root@lvmail01"}
    assert all(u.status is DeliveryStatus.FAILED for u in updates)


def test_delayed_report_is_not_a_failure() -> None:
    assert parse_bounce((MIKEL_REPORTS / "report_422.eml").read_bytes()) == []


@pytest.mark.parametrize("name", ["gmail-invalid-address.eml", "broken-mime.eml"])
def test_non_standard_bounces_give_no_update(name: str) -> None:
    assert parse_bounce((FLANKER_BOUNCES / name).read_bytes()) == []


def test_ordinary_mail_is_not_a_bounce() -> None:
    assert parse_bounce(b"From: a@example.com\r\nSubject: hi\r\n\r\nhello\r\n") == []

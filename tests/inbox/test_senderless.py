"""What the store does with inbound messages that arrive without a sender."""

from __future__ import annotations

from channels.base import ChannelName, Identity, IdentityKind, InboundMessage, MessageKind
from inbox.senderless import SENDERLESS_REPORT, senderless_reason, with_placeholder_sender


def test_a_fax_without_a_number_gets_a_placeholder_for_its_line() -> None:
    fax = InboundMessage(channel=ChannelName.FAX, external_id="f1", sender=None, recipient="Fax@Hotel.example")
    kept = with_placeholder_sender(fax)
    assert kept.sender is not None
    assert (kept.sender.kind, kept.sender.value) == (IdentityKind.FAX, "unknown:fax@hotel.example")
    assert senderless_reason(kept) is None


def test_known_senders_and_other_channels_are_left_alone() -> None:
    known = InboundMessage(ChannelName.FAX, "f2", Identity(IdentityKind.FAX, "+15550100"))
    email = InboundMessage(ChannelName.EMAIL, "e1", None)
    assert with_placeholder_sender(known) is known
    assert with_placeholder_sender(email) is email


def test_only_an_automatic_report_without_a_sender_has_the_expected_reason() -> None:
    report = InboundMessage(ChannelName.EMAIL, "b1", None, kind=MessageKind.SYSTEM, is_automatic=True)
    person = InboundMessage(ChannelName.EMAIL, "e2", None)
    assert senderless_reason(report) == SENDERLESS_REPORT
    assert senderless_reason(person) is None

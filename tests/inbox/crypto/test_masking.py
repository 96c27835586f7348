from __future__ import annotations

from datetime import date
from decimal import Decimal

from inbox.crypto.masking import MASK, mask, masked_profile, public_attributes
from inbox.models import Contact


def test_an_identity_number_shows_its_last_four_only() -> None:
    assert mask("id_document_number", "G99887766") == "•••• 7766"
    assert mask("id_document_number", "1234") == MASK


def test_other_fields_show_nothing_but_that_a_value_exists() -> None:
    assert mask("income", Decimal("5000")) == MASK
    assert mask("health_notes", None) is None


def test_a_profile_is_masked_field_by_field() -> None:
    contact = Contact(
        id_document_number="G99887766",
        date_of_birth=date(1980, 1, 2),
        custom_attributes={"passport_note": "safe 3", "floor": "high"},
    )
    masked = masked_profile(contact, ["passport_note"])
    assert masked == {
        "id_document_number": "•••• 7766",
        "date_of_birth": MASK,
        "income": None,
        "health_notes": None,
        "family_details": None,
        "custom_attributes.passport_note": MASK,
    }


def test_public_attributes_leave_out_the_sensitive_ones() -> None:
    assert public_attributes({"passport_note": "safe 3", "floor": "high"}, ["passport_note"]) == {"floor": "high"}

from __future__ import annotations

import pytest

from inbox.crypto.keyring import (
    DecryptionFailed,
    Keyring,
    KeyringError,
    KeysMissing,
    UnknownKey,
    generate_key,
    parse_keys,
    token_key_id,
)


def test_a_value_sealed_opens_with_its_purpose_and_names_its_key() -> None:
    keyring = Keyring.from_text(generate_key())
    token = keyring.encrypt("G12345678", "contacts.id_document_number")
    assert "G12345678" not in token
    assert token.startswith("hub1:")
    assert token_key_id(token) == keyring.primary_id
    assert keyring.decrypt(token, "contacts.id_document_number") == "G12345678"


def test_the_same_value_seals_differently_each_time() -> None:
    keyring = Keyring.from_text(generate_key())
    assert keyring.encrypt("1980-02-03", "p") != keyring.encrypt("1980-02-03", "p")


def test_a_token_does_not_open_under_another_purpose() -> None:
    keyring = Keyring.from_text(generate_key())
    token = keyring.encrypt("secret", "contacts.income")
    with pytest.raises(DecryptionFailed):
        keyring.decrypt(token, "contacts.health_notes")


def test_a_tampered_token_fails_instead_of_returning_garbage() -> None:
    keyring = Keyring.from_text(generate_key())
    token = keyring.encrypt("secret", "p")
    body = token.rsplit(":", 1)[1]
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    with pytest.raises(DecryptionFailed):
        keyring.decrypt(token.rsplit(":", 1)[0] + ":" + flipped, "p")


def test_an_older_key_still_opens_and_the_newest_seals() -> None:
    old, new = generate_key(), generate_key()
    sealed_by_old = Keyring.from_text(old).encrypt("v", "p")
    both = Keyring.from_text(f"{new},{old}")
    assert both.decrypt(sealed_by_old, "p") == "v"
    assert not both.is_current(sealed_by_old)
    assert both.is_current(both.encrypt("v", "p"))


def test_a_value_under_an_unconfigured_key_is_named_as_such() -> None:
    token = Keyring.from_text(generate_key()).encrypt("v", "p")
    with pytest.raises(UnknownKey, match=token_key_id(token)):
        Keyring.from_text(generate_key()).decrypt(token, "p")


@pytest.mark.parametrize(
    ("text", "problem"),
    [("not*base64", "base64"), ("c2hvcnQ", "bytes"), ("{k},{k}", "twice")],
)
def test_unusable_keys_are_refused_with_the_reason(text: str, problem: str) -> None:
    key = generate_key()
    with pytest.raises(KeyringError, match=problem):
        parse_keys(text.format(k=key))


def test_no_key_at_all_is_refused() -> None:
    with pytest.raises(KeysMissing):
        Keyring.from_text(" , ")


@pytest.mark.parametrize("body", ["", "!!!", "AAAA", "not:base64:at all"])
def test_a_token_of_a_configured_key_with_a_broken_body_fails_as_such(body: str) -> None:
    keyring = Keyring.from_text(generate_key())
    with pytest.raises(DecryptionFailed, match=keyring.primary_id):
        keyring.decrypt(f"hub1:{keyring.primary_id}:{body}", "p")


@pytest.mark.parametrize("text", ["", "plain", "hub1:", "hub1:abc", "hub2:00000000:AAAA"])
def test_text_that_is_no_token_fails_as_such(text: str) -> None:
    with pytest.raises(DecryptionFailed, match="not a sealed value"):
        Keyring.from_text(generate_key()).decrypt(text, "p")


def test_binary_tokens_open_with_any_configured_key_and_reseal_with_the_newest() -> None:
    old, new = generate_key(), generate_key()
    before = Keyring.from_text(old)
    token = before.binary_sealer("contacts.sensitive_fields")(b'["G12345678"]')
    assert b"G12345678" not in token and token_key_id(token) == before.primary_id
    rotating = Keyring.from_text(f"{new},{old}")
    assert rotating.binary_opener("contacts.sensitive_fields")(token) == b'["G12345678"]'
    assert not rotating.is_current(token)
    resealed = rotating.reseal(token, "contacts.sensitive_fields")
    assert rotating.is_current(resealed) and token_key_id(resealed) == rotating.primary_id
    assert Keyring.from_text(new).binary_opener("contacts.sensitive_fields")(resealed) == b'["G12345678"]'
    with pytest.raises(UnknownKey):
        Keyring.from_text(new).binary_opener("contacts.sensitive_fields")(token)
    with pytest.raises(DecryptionFailed):
        rotating.binary_opener("contacts.other")(resealed)


@pytest.mark.parametrize("token", [b"", b"\x02abcd" + bytes(40), b"\x01"])
def test_bytes_that_are_no_binary_token_fail_as_such(token: bytes) -> None:
    with pytest.raises(DecryptionFailed):
        Keyring.from_text(generate_key()).binary_opener("p")(token)

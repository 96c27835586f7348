"""The keys sensitive fields are sealed with: AES-256-GCM, newest key first, each token naming its key.

A text token reads ``hub1:<key id>:<nonce + ciphertext + tag, base64>``; a binary token (for binary columns, where
base64 would only add bytes and work) is ``0x01 <key id, 4 bytes> <nonce> <ciphertext + tag>``. The key id is
derived from the key itself, so the configuration holds nothing but the keys, and a value sealed with a key that is
not configured is recognised as such instead of failing as garbage. The purpose (``contacts.sensitive_fields``) is
bound in as associated data: a token copied into another column or attribute does not open there.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

TOKEN_PREFIX = "hub1"
BINARY_VERSION = b"\x01"
# Version byte and key id: what a binary token opens with before its nonce.
BINARY_HEAD = len(BINARY_VERSION) + 4
KEY_BYTES = 32
NONCE_BYTES = 12


class KeyringError(Exception):
    """The configured keys cannot be used."""


class KeysMissing(KeyringError):
    """A sensitive value must be sealed or opened but no key is configured."""


class UnknownKey(KeyringError):
    """A value was sealed with a key that is not configured (a missing or wrong key)."""


class DecryptionFailed(KeyringError):
    """A token did not authenticate: the wrong key under a colliding id, or tampered data."""


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def generate_key() -> str:
    """A fresh key in the form HUB_PRIVACY__ENCRYPTION_KEYS expects."""
    return _b64encode(os.urandom(KEY_BYTES))


def key_id(key: bytes) -> str:
    # A domain-separated hash: naming the key in every token reveals nothing usable about it.
    return hashlib.sha256(b"hub encryption key id\x00" + key).hexdigest()[:8]


def parse_keys(text: str) -> list[bytes]:
    """Comma-separated base64url keys, newest first; raises ``KeyringError`` naming what is wrong."""
    keys: list[bytes] = []
    for position, part in enumerate((p.strip() for p in text.split(",")), start=1):
        if not part:
            continue
        try:
            key = _b64decode(part)
        except (binascii.Error, ValueError) as error:
            raise KeyringError(f"key {position} is not base64url text") from error
        if len(key) != KEY_BYTES:
            raise KeyringError(f"key {position} is {len(key)} bytes; keys are {KEY_BYTES} random bytes, base64url")
        keys.append(key)
    if len({key_id(k) for k in keys}) != len(keys):
        raise KeyringError("the same key is listed twice")
    return keys


def token_key_id(token: str | bytes) -> str:
    if isinstance(token, bytes):
        if len(token) < BINARY_HEAD or token[:1] != BINARY_VERSION:
            raise DecryptionFailed("not an encrypted value")
        return token[1:BINARY_HEAD].hex()
    return _split(token)[1]


def _binary_head(kid: str) -> bytes:
    try:
        head = BINARY_VERSION + bytes.fromhex(kid)
    except ValueError as error:
        raise KeyringError(f"key id {kid} is not the hex id binary tokens carry") from error
    if len(head) != BINARY_HEAD:
        raise KeyringError(f"key id {kid} is not the hex id binary tokens carry")
    return head


def _split(token: str) -> list[str]:
    parts = token.split(":", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        raise DecryptionFailed("not an encrypted value")
    return parts


@dataclass(frozen=True)
class Keyring:
    """Configured keys by id; ``primary_id`` seals, every listed key opens."""

    ciphers: dict[str, AESGCM]
    primary_id: str

    @classmethod
    def from_keys(cls, keys: Iterable[bytes]) -> Keyring:
        ordered = list(keys)
        if not ordered:
            raise KeysMissing("no encryption key configured")
        return cls({key_id(k): AESGCM(k) for k in ordered}, key_id(ordered[0]))

    @classmethod
    def from_text(cls, text: str) -> Keyring:
        return cls.from_keys(parse_keys(text))

    @property
    def key_ids(self) -> list[str]:
        return list(self.ciphers)

    def sealer(self, purpose: str) -> Callable[[str], str]:
        """A function sealing values for ``purpose``; made once per column, since it runs for every value."""
        cipher, head, associated = self.ciphers[self.primary_id], f"{TOKEN_PREFIX}:{self.primary_id}:", purpose.encode()

        def seal(plaintext: str) -> str:
            nonce = os.urandom(NONCE_BYTES)
            sealed = nonce + cipher.encrypt(nonce, plaintext.encode("utf-8"), associated)
            return head + binascii.b2a_base64(sealed, newline=False).decode("ascii")

        return seal

    def opener(self, purpose: str) -> Callable[[str], str]:
        """A function opening values sealed for ``purpose`` with any configured key."""
        return cast(Callable[[str], str], self.reader(purpose))

    def reader(self, purpose: str, convert: Callable[[str], Any] | None = None) -> Callable[[str | None], Any]:
        """What a sealed column reads with: None stays None, a token opens and ``convert`` makes the value of it,
        all in one call per value."""
        associated, decode_body = purpose.encode(), binascii.a2b_base64
        # Every read of a sealed column goes through here, so the usual token (a configured key's head, then the
        # body) is recognised by one slice and one lookup; anything else takes the slow path that says what is wrong.
        heads = {f"{TOKEN_PREFIX}:{kid}:": cipher.decrypt for kid, cipher in self.ciphers.items()}
        lengths = {len(head) for head in heads}
        # With heads of mixed lengths (ids not made by ``key_id``) no slice can match: every token goes the slow way.
        head_length = lengths.pop() if len(lengths) == 1 else 0

        def open_token(token: str | None) -> Any:
            if token is None:
                return None
            decrypt = heads.get(token[:head_length])
            if decrypt is None:
                text = open_slowly(token)
                return text if convert is None else convert(text)
            try:
                data = decode_body(token[head_length:])
                opened = decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], associated)
            except (InvalidTag, binascii.Error, ValueError) as error:
                raise DecryptionFailed(
                    f"a value sealed with key {token_key_id(token)} does not authenticate ({purpose})"
                ) from error
            return opened.decode("utf-8") if convert is None else convert(opened.decode("utf-8"))

        def open_slowly(token: str) -> str:
            prefix, kid, body = token.split(":", 2) if token.count(":") == 2 else ("", "", "")
            cipher = self.ciphers.get(kid)
            if cipher is None:
                if prefix != TOKEN_PREFIX:
                    raise DecryptionFailed(f"not a sealed value ({purpose})")
                raise UnknownKey(f"a value is sealed with key {kid}, which is not configured")
            try:
                data = decode_body(body)
                opened = cipher.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], associated)
            except (InvalidTag, binascii.Error, ValueError) as error:
                raise DecryptionFailed(f"a value sealed with key {kid} does not authenticate ({purpose})") from error
            return opened.decode("utf-8")

        return open_token

    def binary_sealer(self, purpose: str) -> Callable[[bytes], bytes]:
        """Like ``sealer``, for binary columns: bytes in, a binary token out."""
        cipher, head, associated = self.ciphers[self.primary_id], _binary_head(self.primary_id), purpose.encode()

        def seal(plaintext: bytes) -> bytes:
            nonce = os.urandom(NONCE_BYTES)
            return head + nonce + cipher.encrypt(nonce, plaintext, associated)

        return seal

    def binary_opener(self, purpose: str) -> Callable[[bytes], bytes]:
        """Opens binary tokens sealed for ``purpose`` with any configured key."""
        associated = purpose.encode()
        heads = {_binary_head(kid): cipher.decrypt for kid, cipher in self.ciphers.items()}
        nonce_end = BINARY_HEAD + NONCE_BYTES

        def open_token(token: bytes) -> bytes:
            decrypt = heads.get(token[:BINARY_HEAD])
            if decrypt is None:
                raise UnknownKey(f"a value is sealed with key {token_key_id(token)}, which is not configured")
            try:
                return decrypt(token[BINARY_HEAD:nonce_end], token[nonce_end:], associated)
            except (InvalidTag, ValueError) as error:
                raise DecryptionFailed(
                    f"a value sealed with key {token_key_id(token)} does not authenticate ({purpose})"
                ) from error

        return open_token

    def encrypt(self, plaintext: str, purpose: str) -> str:
        return self.sealer(purpose)(plaintext)

    def decrypt(self, token: str, purpose: str) -> str:
        return self.opener(purpose)(token)

    def reseal(self, token: bytes, purpose: str) -> bytes:
        """A binary token opened with whichever key sealed it and sealed again with the newest."""
        return self.binary_sealer(purpose)(self.binary_opener(purpose)(token))

    def is_current(self, token: str | bytes) -> bool:
        """Sealed with the newest key already, so rotation can leave it alone."""
        return token_key_id(token) == self.primary_id

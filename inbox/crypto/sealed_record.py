"""A column holding several sensitive values of a row sealed together, as one binary token.

Sealing each value on its own costs one AES-GCM operation, one token header and one authentication tag per value;
a customer's sensitive fields are read and written together (the profile, the export, the merge), so they are
sealed as one record: one operation per row, and a binary column so the token needs no text encoding. Each value
still reads and writes as an attribute of its own (``SensitiveField`` on the model), so masking, reveal and audit
keep working field by field.

Inside the token the record is a JSON array of the values as text, in the record's field order (null where absent;
fields are only ever added at the end); a record with no value at all is stored as NULL, so customers without
sensitive data need no key.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Protocol, Self, TypeVar

from sqlalchemy import Dialect, LargeBinary
from sqlalchemy.types import TypeDecorator

from inbox.crypto.columns import no_keys, protection_for


class Record(Protocol):
    """An immutable record of optional values with a fixed set of fields."""

    _fields: tuple[str, ...]

    def stored(self) -> list[str | None]:
        """The values as text in a fixed order (None where absent), trailing absent ones left out."""
        ...

    @classmethod
    def from_stored(cls, values: list[str | None]) -> Self:
        """The record back from ``stored``'s text."""
        ...


R = TypeVar("R", bound=Record)

_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_decoder = json.JSONDecoder()


def encode_record(value: Record) -> bytes | None:
    """The record as sealed plaintext; None when it holds no value."""
    present = value.stored()
    return _encoder.encode(present).encode("utf-8") if present else None


def record_decoder(record: type[R]) -> Callable[[bytes], R]:
    from_stored, parse = record.from_stored, _decoder.raw_decode

    def decode(plaintext: bytes) -> R:
        # The plaintext authenticated, so it is a document this module wrote: no need to look past its end.
        return from_stored(parse(plaintext.decode("utf-8"))[0])

    return decode


class SealedRecord(TypeDecorator[R]):
    """A record of sensitive values in one binary column; ``purpose`` is bound into the token."""

    impl = LargeBinary
    cache_ok = True

    def __init__(self, purpose: str, record: type[R]) -> None:
        super().__init__()
        self.purpose = purpose
        self.record = record

    def values_of(self, value: R | None) -> dict[str, Any]:
        """Every field of the record by name, None where absent: the form an export lists."""
        return {name: None if value is None else getattr(value, name) for name in self.record._fields}

    # Processors are built once per dialect (SQLAlchemy caches them), so keys are looked up there, not per value.
    def bind_processor(self, dialect: Dialect) -> Callable[[R | None], Any]:
        keyring = protection_for(dialect).keyring
        seal: Callable[[bytes], bytes] = keyring.binary_sealer(self.purpose) if keyring is not None else no_keys
        inner = self.impl_instance.bind_processor(dialect)

        def process(value: R | None) -> Any:
            plaintext = None if value is None else encode_record(value)
            if plaintext is None:
                return None
            token = seal(plaintext)
            return inner(token) if inner is not None else token

        return process

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], R | None]:
        keyring = protection_for(dialect).keyring
        open_token: Callable[[bytes], bytes] = keyring.binary_opener(self.purpose) if keyring is not None else no_keys
        decode = record_decoder(self.record)
        inner = self.impl_instance.result_processor(dialect, coltype)
        if inner is None:
            # The usual case (the driver hands over bytes). This runs for every customer read, so ``decode`` is
            # written out here rather than called.
            from_stored, parse = self.record.from_stored, _decoder.raw_decode

            def process(value: Any) -> R | None:
                return None if value is None else from_stored(parse(open_token(value).decode("utf-8"))[0])

            return process

        def process_inner(value: Any) -> R | None:
            value = inner(value)
            return None if value is None else decode(open_token(value))

        return process_inner

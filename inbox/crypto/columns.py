"""Column types that seal sensitive values on the way into the store and open them on the way out.

Column types are shared by every engine, but keys belong to a store: each ``Store`` binds its protection (keys
and the names of sensitive custom attributes) to its engines' dialects, and the types look it up there. An engine
nobody bound (a migration, a bare script) can read and write everything except sensitive values, which fail loudly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import JSON, Dialect, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.types import TypeDecorator, TypeEngine

from inbox.crypto.keyring import Keyring, KeysMissing

T = TypeVar("T")
# How a sealed value sits inside a JSON document of custom attributes.
SEALED_MARK = "$sealed"


@dataclass(frozen=True)
class Protection:
    keyring: Keyring | None
    sensitive_attributes: frozenset[str] = frozenset()

    def require_keyring(self) -> Keyring:
        if self.keyring is None:
            raise KeysMissing("sensitive customer fields need HUB_PRIVACY__ENCRYPTION_KEYS; none is set")
        return self.keyring


_UNPROTECTED = Protection(None)
_bound: WeakKeyDictionary[Dialect, Protection] = WeakKeyDictionary()


def bind_protection(engine: AsyncEngine, protection: Protection) -> None:
    _bound[engine.sync_engine.dialect] = protection


def protection_for(dialect: Dialect) -> Protection:
    return _bound.get(dialect, _UNPROTECTED)


class Sealed(TypeDecorator[T]):
    """A value kept as a token in a text column; ``purpose`` is bound into the token."""

    impl = Text
    cache_ok = True

    def __init__(self, purpose: str) -> None:
        super().__init__()
        self.purpose = purpose

    def to_text(self, value: T) -> str:
        return str(value)

    def from_text(self, text: str) -> T:
        raise NotImplementedError

    def process_bind_param(self, value: T | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return protection_for(dialect).require_keyring().encrypt(self.to_text(value), self.purpose)

    def process_result_value(self, value: Any, dialect: Dialect) -> T | None:
        if value is None:
            return None
        return self.from_text(protection_for(dialect).require_keyring().decrypt(str(value), self.purpose))


class SealedText(Sealed[str]):
    cache_ok = True

    def from_text(self, text: str) -> str:
        return text


class SealedDate(Sealed[date]):
    cache_ok = True

    def to_text(self, value: date) -> str:
        return value.isoformat()

    def from_text(self, text: str) -> date:
        return date.fromisoformat(text)


class SealedDecimal(Sealed[Decimal]):
    cache_ok = True

    def from_text(self, text: str) -> Decimal:
        return Decimal(text)


def attribute_purpose(name: str) -> str:
    return f"contacts.custom_attributes.{name}"


class AttributesDocument(TypeDecorator[dict[str, Any]]):
    """Custom attributes as JSON, with the values of attributes named sensitive sealed inside the document."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        return dialect.type_descriptor(JSONB() if dialect.name == "postgresql" else JSON())

    def process_bind_param(self, value: dict[str, Any] | None, dialect: Dialect) -> dict[str, Any] | None:
        if not value:
            return value
        protection = protection_for(dialect)
        names = protection.sensitive_attributes.intersection(value)
        if not names:
            return value
        keyring = protection.require_keyring()
        sealed = dict(value)
        for name in names:
            if sealed[name] is not None:
                text = _json_text(sealed[name])
                sealed[name] = {SEALED_MARK: keyring.encrypt(text, attribute_purpose(name))}
        return sealed

    def process_result_value(self, value: Any, dialect: Dialect) -> dict[str, Any] | None:
        if not value:
            return value  # type: ignore[no-any-return]
        document: dict[str, Any] = value
        if not any(is_sealed(item) for item in document.values()):
            return document
        keyring = protection_for(dialect).require_keyring()
        return {
            name: _json_value(keyring.decrypt(item[SEALED_MARK], attribute_purpose(name))) if is_sealed(item) else item
            for name, item in document.items()
        }


def is_sealed(item: Any) -> bool:
    return isinstance(item, dict) and len(item) == 1 and isinstance(item.get(SEALED_MARK), str)


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _json_value(text: str) -> Any:
    return json.loads(text)


def protection_from(keys_text: str | None, sensitive_attributes: list[str]) -> Protection:
    keyring = Keyring.from_text(keys_text) if keys_text and keys_text.strip() else None
    return Protection(keyring, frozenset(sensitive_attributes))

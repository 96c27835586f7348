"""Column types that seal sensitive values on the way into the store and open them on the way out.

Column types are shared by every engine, but keys belong to a store: each ``Store`` binds its protection (keys
and the names of sensitive custom attributes) to its engines' dialects, and the types look it up there. An engine
nobody bound (a migration, a bare script) can read and write everything except sensitive values, which fail loudly.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import JSON, Dialect
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.types import TypeDecorator, TypeEngine

from inbox.crypto.keyring import Keyring, KeysMissing

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


def no_keys(_value: Any) -> Any:
    raise KeysMissing("sensitive customer fields need HUB_PRIVACY__ENCRYPTION_KEYS; none is set")


def attribute_purpose(name: str) -> str:
    return f"contacts.custom_attributes.{name}"


class AttributesDocument(TypeDecorator[dict[str, Any]]):
    """Custom attributes as JSON, with the values of attributes named sensitive sealed inside the document."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        return dialect.type_descriptor(JSONB() if dialect.name == "postgresql" else JSON())

    def bind_processor(self, dialect: Dialect) -> Callable[[dict[str, Any] | None], Any]:
        protection = protection_for(dialect)
        names, keyring = protection.sensitive_attributes, protection.keyring
        sealers: dict[str, Callable[[str], str]] = {}
        inner = self.impl_instance.bind_processor(dialect)

        def seal(name: str, item: Any) -> dict[str, str]:
            if name not in sealers:
                sealers[name] = keyring.sealer(attribute_purpose(name)) if keyring is not None else no_keys
            return {SEALED_MARK: sealers[name](_json_text(item))}

        def process(value: dict[str, Any] | None) -> Any:
            if value and not names.isdisjoint(value):
                value = {
                    name: seal(name, item) if name in names and item is not None else item
                    for name, item in value.items()
                }
            return inner(value) if inner is not None else value

        return process

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], dict[str, Any] | None]:
        keyring = protection_for(dialect).keyring
        # Attribute name -> what opens its token straight into the JSON value it was.
        openers: dict[str, Callable[[str], Any]] = {}
        inner = self.impl_instance.result_processor(dialect, coltype)

        def open_item(name: str, token: str) -> Any:
            opener = openers.get(name)
            if opener is None:
                purpose = attribute_purpose(name)
                opener = openers[name] = keyring.reader(purpose, _json_value) if keyring is not None else no_keys
            return opener(token)

        def process(value: Any) -> dict[str, Any] | None:
            document: dict[str, Any] | None = inner(value) if inner is not None else value
            # Only a nested object can be a sealed value; most documents have none and go back untouched.
            if not document or dict not in map(type, document.values()):
                return document
            # The document was made for this row alone (parsed from the driver's text), so it is opened in place.
            for name, item in list(document.items()):
                # ``is_sealed``, inlined: this runs for every value of every document read.
                if type(item) is dict and len(item) == 1 and isinstance(token := item.get(SEALED_MARK), str):
                    opener = openers.get(name)
                    document[name] = opener(token) if opener is not None else open_item(name, token)
            return document

        return process


def is_sealed(item: Any) -> bool:
    return isinstance(item, dict) and len(item) == 1 and isinstance(item.get(SEALED_MARK), str)


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _json_value(text: str) -> Any:
    # Most sealed attributes are strings: ``json.dumps`` escapes quotes, backslashes and control characters with a
    # backslash, so a quoted text with neither a backslash nor an inner quote is the string itself.
    last = len(text) - 1
    if last > 0 and text[0] == '"' and text.find('"', 1) == last and "\\" not in text:
        return text[1:last]
    return json.loads(text)


def protection_from(keys_text: str | None, sensitive_attributes: list[str]) -> Protection:
    keyring = Keyring.from_text(keys_text) if keys_text and keys_text.strip() else None
    return Protection(keyring, frozenset(sensitive_attributes))

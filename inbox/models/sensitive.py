"""A customer's sensitive fields: sealed together in one column, read and written one field at a time.

``SensitiveFields`` is what the ``contacts.sensitive_fields`` column holds (sealed by ``inbox.crypto``); each field
is also an attribute of the customer (``contact.income``) through ``SensitiveField``, which reads from and replaces
the record, so code and templates never handle the record itself.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Generic, NamedTuple, TypeVar, overload

T = TypeVar("T")
_new_tuple = tuple.__new__


class SensitiveFields(NamedTuple):
    """Immutable, so a change is always a new record the ORM sees; a tuple, because one is made for every customer
    read and a tuple is the cheapest thing to make."""

    id_document_number: str | None = None
    date_of_birth: date | None = None
    income: Decimal | None = None
    health_notes: str | None = None
    family_details: str | None = None

    def stored(self) -> list[str | None]:
        """The values as the text they are sealed as, in field order; a field added later goes last, so what was
        stored before it simply lacks it."""
        values = [None if value is None else str(value) for value in self]
        while values and values[-1] is None:
            values.pop()
        return values

    @classmethod
    def from_stored(cls, values: list[str | None]) -> SensitiveFields:
        if len(values) != 5:
            values = [*values, None, None, None, None, None][:5]
        document, born, income, health, family = values
        # ``tuple.__new__`` rather than the generated constructor: one is made for every customer read.
        return _new_tuple(
            cls,
            (
                document,
                None if born is None else date.fromisoformat(born),
                None if income is None else Decimal(income),
                health,
                family,
            ),
        )

    def with_value(self, name: str, value: Any) -> SensitiveFields | None:
        """A copy with ``name`` set; None when no field is left, so an emptied record is stored as NULL."""
        updated = self._replace(**{name: value})
        return None if updated == EMPTY else updated


EMPTY = SensitiveFields()
SENSITIVE_FIELDS: tuple[str, ...] = SensitiveFields._fields


class SensitiveField(Generic[T]):
    """One field of the owner's ``sensitive_fields`` record, as an attribute of its own."""

    def __set_name__(self, owner: type, name: str) -> None:
        if name not in SENSITIVE_FIELDS:
            raise TypeError(f"{name} is not one of the sensitive fields {SENSITIVE_FIELDS}")
        self.name = name
        self.position = SENSITIVE_FIELDS.index(name)

    @overload
    def __get__(self, instance: None, owner: type) -> SensitiveField[T]: ...

    @overload
    def __get__(self, instance: object, owner: type) -> T | None: ...

    def __get__(self, instance: object | None, owner: type) -> SensitiveField[T] | T | None:
        if instance is None:
            return self
        record: SensitiveFields | None = instance.sensitive_fields  # type: ignore[attr-defined]
        return None if record is None else record[self.position]  # type: ignore[return-value]

    def __set__(self, instance: object, value: T | None) -> None:
        record: SensitiveFields | None = instance.sensitive_fields  # type: ignore[attr-defined]
        # A new record rather than a change inside it: the ORM sees the column change and writes it.
        instance.sensitive_fields = (record or EMPTY).with_value(self.name, value)  # type: ignore[attr-defined]

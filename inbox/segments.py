"""Segment rules: a JSON document of conditions over customer fields, turned into one SQL condition.

A rules document reads ``{"match": "all" | "any", "conditions": [{"field": …, "op": …, "value": …}, …]}``.
Fields: ``tier``, ``relationship_class``, ``lifecycle_stage`` and ``region`` (custom attributes of those names),
``language``, ``key_account``, ``label`` (on any of the customer's conversations), ``attribute`` (a custom
attribute named by ``key``), ``last_contact`` (days since the customer last wrote) and ``consent`` (per
``channel``). Sensitive attributes are sealed and can never be matched on; a rule naming one is refused.

The condition is evaluated in the database, so a segment of a million customers is counted without loading
them; it is valid on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, ColumnElement, Float, and_, cast, exists, false, func, not_, or_, select, true, type_coerce
from sqlalchemy.dialects.postgresql import JSONB

from inbox.models import Contact, Conversation

TEXT_OPS = ("is", "is_not", "in", "not_in", "exists", "not_exists")
FIELDS = (
    "tier",
    "relationship_class",
    "lifecycle_stage",
    "region",
    "language",
    "key_account",
    "label",
    "attribute",
    "last_contact",
    "consent",
)
ATTRIBUTE_FIELDS = {"lifecycle_stage": "lifecycle_stage", "region": "region"}


class SegmentRuleError(ValueError):
    """A rules document that cannot be evaluated, with the reason a marketer can act on."""


def _values(condition: Mapping[str, Any]) -> list[str]:
    value = condition.get("value")
    items = value if isinstance(value, list) else [value]
    found = [str(item).strip() for item in items if item is not None and str(item).strip()]
    if not found:
        raise SegmentRuleError(f"the {condition.get('field')} condition needs a value")
    return found


def _text(column: Any, op: str, condition: Mapping[str, Any]) -> ColumnElement[bool]:
    if op == "exists":
        return and_(column.is_not(None), column != "")
    if op == "not_exists":
        return or_(column.is_(None), column == "")
    if op == "starts_with":
        return or_(*(func.lower(column).startswith(value.lower()) for value in _values(condition)))
    values = _values(condition)
    if op in ("is", "in"):
        matches: ColumnElement[bool] = column.in_(values)
        return matches
    if op in ("is_not", "not_in"):
        return or_(column.is_(None), column.not_in(values))
    raise SegmentRuleError(f"unknown operator {op!r} for {condition.get('field')}")


def _number(column: Any, op: str, condition: Mapping[str, Any]) -> ColumnElement[bool]:
    try:
        value = float(_values(condition)[0])
    except ValueError:
        raise SegmentRuleError(f"{condition.get('key')}: {op} needs a number") from None
    number = cast(column, Float)
    comparisons: dict[str, Callable[[], ColumnElement[bool]]] = {
        "gt": lambda: number > value,
        "gte": lambda: number >= value,
        "lt": lambda: number < value,
        "lte": lambda: number <= value,
    }
    return comparisons[op]()


def _attribute(key: str) -> ColumnElement[Any]:
    value: ColumnElement[Any] = type_coerce(Contact.custom_attributes, JSON)[key].as_string()
    return value


def _label(condition: Mapping[str, Any], dialect: str) -> ColumnElement[bool]:
    labels = _values(condition)
    if dialect == "postgresql":
        has = or_(*(type_coerce(Conversation.labels, JSONB).contains([label]) for label in labels))
    else:
        each = func.json_each(Conversation.labels).table_valued("value")
        has = exists(select(1).select_from(each).where(each.c.value.in_(labels)))
    found = exists(select(Conversation.id).where(Conversation.contact_id == Contact.id, has))
    return found if condition.get("op", "has") == "has" else not_(found)


def _last_contact(condition: Mapping[str, Any], now: datetime) -> ColumnElement[bool]:
    op = condition.get("op")
    if op == "never":
        return Contact.last_inbound_at.is_(None)
    try:
        days = float(_values(condition)[0])
    except ValueError:
        raise SegmentRuleError("last contact needs a number of days") from None
    since = now - timedelta(days=days)
    if op == "within_days":
        return Contact.last_inbound_at >= since
    if op == "older_than_days":
        return or_(Contact.last_inbound_at.is_(None), Contact.last_inbound_at < since)
    raise SegmentRuleError(f"unknown operator {op!r} for last contact")


def consent_clause(channel: str, op: str) -> ColumnElement[bool]:
    given: ColumnElement[Any] = type_coerce(Contact.consent, JSON)[channel].as_boolean()
    if op == "granted":
        return given.is_not(None) & (given == true())
    if op == "opted_out":
        return given.is_not(None) & (given == false())
    if op == "not_opted_out":
        return or_(given.is_(None), given == true())
    raise SegmentRuleError(f"unknown consent operator {op!r}")


def _condition(
    condition: Mapping[str, Any], *, dialect: str, now: datetime, sensitive: Collection[str]
) -> ColumnElement[bool]:
    field = condition.get("field")
    op = str(condition.get("op", "is"))
    if field in ("tier", "relationship_class"):
        return _text(getattr(Contact, str(field)), op, condition)
    if field == "language":
        return _text(Contact.language, op, condition)
    if field in ATTRIBUTE_FIELDS:
        return _text(_attribute(ATTRIBUTE_FIELDS[str(field)]), op, condition)
    if field == "attribute":
        key = str(condition.get("key") or "").strip()
        if not key:
            raise SegmentRuleError("an attribute condition needs the attribute's name")
        if key in sensitive:
            raise SegmentRuleError(f"{key} is a sensitive attribute; segments cannot select on it")
        if op in ("gt", "gte", "lt", "lte"):
            return _number(_attribute(key), op, condition)
        return _text(_attribute(key), op, condition)
    if field == "key_account":
        wanted = str(condition.get("value", "true")).lower() in ("true", "1", "yes")
        return Contact.is_key_account.is_(wanted)
    if field == "label":
        return _label(condition, dialect)
    if field == "last_contact":
        return _last_contact(condition, now)
    if field == "consent":
        channel = str(condition.get("channel") or "")
        if channel not in ("email", "sms"):
            raise SegmentRuleError("a consent condition names the channel: email or sms")
        return consent_clause(channel, op)
    raise SegmentRuleError(f"unknown field {field!r}; known fields: {', '.join(FIELDS)}")


def segment_clause(
    rules: Mapping[str, Any], *, dialect: str, now: datetime, sensitive: Collection[str] = ()
) -> ColumnElement[bool]:
    """The WHERE condition selecting the segment's customers (merged and erased records never match)."""
    conditions = rules.get("conditions") or []
    if not isinstance(conditions, list):
        raise SegmentRuleError("conditions must be a list")
    parts = [_condition(item, dialect=dialect, now=now, sensitive=sensitive) for item in conditions]
    if rules.get("match", "all") not in ("all", "any"):
        raise SegmentRuleError("match must be all or any")
    if not parts:
        combined: ColumnElement[bool] = true()
    elif rules.get("match", "all") == "any":
        combined = or_(*parts)
    else:
        combined = and_(*parts)
    return and_(Contact.merged_into_id.is_(None), Contact.erased_at.is_(None), combined)

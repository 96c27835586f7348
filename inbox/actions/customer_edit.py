"""Editing a customer record from the inbox: name, language, time zone, region and custom attributes; audited.

The audit entry keeps before and after for ordinary fields so a change can be traced and undone by hand; for a
sensitive custom attribute it keeps only the attribute's name, since the audit trail is not encrypted. Region is
the ``region`` custom attribute, the same one segments select on.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from inbox import audit
from inbox.access import ROLE_ADMIN, ROLE_SUPERVISOR, load_viewer, visible_contact
from inbox.store import Store
from inbox.webhook_events import CONTACT_UPDATED, enqueue_webhook_events

REGION_ATTRIBUTE = "region"
ATTRIBUTE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}$")
MAX_ATTRIBUTE_CHARS = 1000
MAX_ATTRIBUTES = 100
# Left alone: a value the edit form did not touch.
UNCHANGED: Any = object()


class EditRefused(Exception):
    """The change cannot be made; the reason is written for the person making it."""


@dataclass(frozen=True)
class CustomerEdit:
    """What to change. Fields left ``UNCHANGED`` are not touched; ``None`` clears one. In ``attributes``, a value
    of None removes the attribute."""

    name: str | None = UNCHANGED
    language: str | None = UNCHANGED
    timezone: str | None = UNCHANGED
    region: str | None = UNCHANGED
    attributes: dict[str, str | None] = field(default_factory=dict)


def _blank_to_none(value: str | None) -> str | None:
    if value is None:
        return None
    cleaned = " ".join(value.split())
    return cleaned or None


def _validated(edit: CustomerEdit) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if edit.name is not UNCHANGED:
        name = _blank_to_none(edit.name)
        if name is not None and len(name) > 200:
            raise EditRefused("a name holds at most 200 characters")
        fields["name"] = name
    if edit.language is not UNCHANGED:
        language = _blank_to_none(edit.language)
        if language is not None and not LANGUAGE.match(language):
            raise EditRefused("the language must be a code such as en, zh or zh-CN")
        fields["language"] = language
    if edit.timezone is not UNCHANGED:
        zone = _blank_to_none(edit.timezone)
        if zone is not None and zone not in zoneinfo.available_timezones():
            raise EditRefused(f"{zone} is not a time zone (e.g. Asia/Shanghai, Europe/London)")
        fields["timezone"] = zone
    return fields


def _attribute_changes(edit: CustomerEdit) -> dict[str, str | None]:
    changes = dict(edit.attributes)
    if edit.region is not UNCHANGED:
        changes[REGION_ATTRIBUTE] = _blank_to_none(edit.region)
    for name, value in changes.items():
        if not ATTRIBUTE_NAME.match(name):
            raise EditRefused(f"{name!r}: attribute names take letters, digits and _ and start with a letter")
        if value is not None and len(value) > MAX_ATTRIBUTE_CHARS:
            raise EditRefused(f"{name}: a value holds at most {MAX_ATTRIBUTE_CHARS} characters")
    return changes


async def do_edit_customer(store: Store, contact_id: int, edit: CustomerEdit, *, actor_agent_id: int) -> bool:
    """Apply the edit; True when anything changed. The actor must be able to see the customer; setting a
    sensitive attribute needs a supervisor or admin (the same people who may reveal one)."""
    fields = _validated(edit)
    changes = _attribute_changes(edit)
    sensitive = store.protection.sensitive_attributes
    async with store.write() as session:
        viewer = await load_viewer(session, actor_agent_id)
        contact = await visible_contact(session, viewer, contact_id) if viewer is not None else None
        if viewer is None or contact is None:
            raise EditRefused("no such customer within your reach")
        if contact.erased_at is not None or contact.merged_into_id is not None:
            raise EditRefused("this record was erased or merged into another and cannot be edited")
        if set(changes) & sensitive and viewer.role not in (ROLE_SUPERVISOR, ROLE_ADMIN):
            raise EditRefused("only supervisors and admins may change sensitive attributes")
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        for name, value in fields.items():
            if getattr(contact, name) != value:
                before[name], after[name] = getattr(contact, name), value
                setattr(contact, name, value)
        attributes = dict(contact.custom_attributes or {})
        sensitive_changed: list[str] = []
        for name, value in changes.items():
            current = attributes.get(name)
            if (None if current is None else str(current)) == value:
                continue
            if name in sensitive:
                sensitive_changed.append(name)
            else:
                before[f"attributes.{name}"], after[f"attributes.{name}"] = current, value
            if value is None:
                attributes.pop(name, None)
            else:
                attributes[name] = value
        if len(attributes) > MAX_ATTRIBUTES:
            raise EditRefused(f"a customer holds at most {MAX_ATTRIBUTES} custom attributes")
        if not before and not sensitive_changed:
            return False
        # A new dict, so the (sealing) JSON column is written again.
        contact.custom_attributes = attributes
        audit.record(
            session,
            "contact.edited",
            actor_agent_id=actor_agent_id,
            contact_id=contact.id,
            before=before,
            after=after,
            sensitive_changed=sorted(sensitive_changed),
        )
        # Names of what changed only: values of sensitive attributes must not leave the hub.
        changed = sorted(after) + [f"attributes.{name}" for name in sorted(sensitive_changed)]
        await enqueue_webhook_events(
            session, CONTACT_UPDATED, [{"contact_id": contact.id, "fields": changed, "actor_agent_id": actor_agent_id}]
        )
        return True

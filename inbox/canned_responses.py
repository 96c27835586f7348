"""Canned responses: which ones a person may use, and rendering one for a customer in a sandbox.

Templates are written by supervisors and admins, but run against customer data on every insert, so they run in
Jinja2's sandbox with strict undefined variables: a typo or an attempt to reach Python internals is an error shown
to the agent, never text that goes out. The variables are plain strings built here from the record, and sensitive
(encrypted) fields and attributes are never among them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from inbox import queries
from inbox.access import Viewer
from inbox.crypto.masking import public_attributes
from inbox.models import Agent, CannedResponse, Contact, ContactIdentity, Conversation

MAX_RENDERED_CHARS = 20_000
# Shown on the management page so writers know what they can use.
VARIABLES = (
    ("customer.name", "the customer's name (empty when unknown)"),
    ("customer.first_name", "the first word of the name"),
    ("customer.language", "language code, e.g. en or zh-CN"),
    ("customer.tier", "platinum, gold, silver or bronze"),
    ("customer.email", "newest e-mail address, or empty"),
    ("customer.phone", "newest phone number, or empty"),
    ("customer.attributes.NAME", "a custom attribute (never a sensitive one)"),
    ("agent.name", "the agent inserting the response"),
    ("conversation.id", "the conversation number"),
    ("conversation.reference", "e.g. [#123], threads replies back"),
    ("conversation.subject", "the subject, or empty"),
)


class TemplateProblem(Exception):
    """The template cannot be rendered; the message says why, for the person who wrote or inserted it."""


def _environment() -> SandboxedEnvironment:
    # Plain text out: the composer is a textarea, and e-mail HTML is built from it by the e-mail template.
    return SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True)


_ENV = _environment()


def check_template(body: str) -> None:
    """Refuse a template that does not even parse, at the time it is saved."""
    try:
        _ENV.parse(body)
    except jinja2.TemplateSyntaxError as error:
        raise TemplateProblem(f"line {error.lineno}: {error.message}") from None


def render_template(body: str, variables: dict[str, Any]) -> str:
    try:
        text = _ENV.from_string(body).render(variables)
    except jinja2.TemplateSyntaxError as error:
        raise TemplateProblem(f"line {error.lineno}: {error.message}") from None
    except jinja2.exceptions.SecurityError as error:
        raise TemplateProblem(f"not allowed in a template: {error}") from None
    except jinja2.UndefinedError as error:
        # The sandbox answers a reach for internals (``__class__`` and the like) with an undefined value.
        if error.message and "unsafe" in error.message:
            raise TemplateProblem(f"not allowed in a template: {error.message}") from None
        raise TemplateProblem(f"unknown variable: {error.message}") from None
    except (TypeError, ValueError, ArithmeticError) as error:
        raise TemplateProblem(f"the template failed: {error}") from None
    if len(text) > MAX_RENDERED_CHARS:
        raise TemplateProblem(f"the text would be longer than {MAX_RENDERED_CHARS:,} characters")
    return text


def _newest(identities: Iterable[ContactIdentity], kind: str) -> str:
    matching = [identity.value for identity in identities if identity.kind == kind]
    return matching[-1] if matching else ""


def customer_variables(
    contact: Contact,
    identities: Sequence[ContactIdentity],
    conversation: Conversation,
    agent_name: str,
    sensitive_attributes: Iterable[str],
) -> dict[str, Any]:
    name = contact.name or ""
    attributes = public_attributes(contact.custom_attributes, sensitive_attributes)
    return {
        "customer": {
            "name": name,
            "first_name": name.split()[0] if name.split() else "",
            "language": contact.language or "",
            "tier": contact.tier,
            "email": _newest(identities, "email"),
            "phone": _newest(identities, "phone"),
            "attributes": {str(key): "" if value is None else str(value) for key, value in attributes.items()},
        },
        "agent": {"name": agent_name},
        "conversation": {
            "id": conversation.id,
            "reference": f"[#{conversation.id}]",
            "subject": conversation.subject or "",
        },
    }


def usable_by(viewer: Viewer) -> Any:
    """A WHERE clause: the responses offered to everyone and to the viewer's teams (admins: all of them)."""
    if viewer.sees_everything:
        return CannedResponse.id.is_not(None)
    return or_(CannedResponse.team_id.is_(None), CannedResponse.team_id.in_(viewer.team_ids))


async def available(session: AsyncSession, viewer: Viewer) -> Sequence[CannedResponse]:
    found = await session.execute(select(CannedResponse).where(usable_by(viewer)).order_by(CannedResponse.shortcut))
    return found.scalars().all()


async def usable(session: AsyncSession, viewer: Viewer, canned_id: int) -> CannedResponse | None:
    found = await session.execute(select(CannedResponse).where(CannedResponse.id == canned_id, usable_by(viewer)))
    return found.scalar_one_or_none()


async def render_for_conversation(
    session: AsyncSession,
    viewer: Viewer,
    conversation: Conversation,
    canned_id: int,
    sensitive_attributes: Iterable[str],
) -> str | None:
    """The response rendered for the conversation's customer, or None when the viewer may not use it. Raises
    ``TemplateProblem`` when it cannot be rendered for this customer."""
    canned = await usable(session, viewer, canned_id)
    if canned is None:
        return None
    contact = await queries.live_contact(session, conversation.contact_id)
    identities = await queries.identities_of(session, contact.id)
    agent = await session.get(Agent, viewer.agent_id)
    variables = customer_variables(
        contact, identities, conversation, agent.name if agent else viewer.name, sensitive_attributes
    )
    return render_template(canned.body, variables)

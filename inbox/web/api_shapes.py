"""How store rows look in the JSON API. One function per resource, so pages and documents agree."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from inbox.inbox_views import InboxRow
from inbox.models import (
    Agent,
    Attachment,
    Contact,
    ContactIdentity,
    Conversation,
    Message,
    Team,
    WebhookDelivery,
    WebhookEndpoint,
)


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def inbox_row(row: InboxRow) -> dict[str, Any]:
    return {
        "id": row.conversation_id,
        "subject": row.subject,
        "channel": row.channel,
        "status": row.status,
        "contact": {"id": row.contact_id, "name": row.contact_name, "tier": row.tier},
        "is_complaint": row.is_complaint,
        "labels": row.labels,
        "assignee": row.assignee_name,
        "team": row.team_name,
        "last_message_at": row.last_message_at,
    }


def conversation(item: Conversation) -> dict[str, Any]:
    return {
        "id": item.id,
        "contact_id": item.contact_id,
        "channel": item.channel,
        "status": item.status,
        "subject": item.subject,
        "assignee_id": item.assignee_id,
        "team_id": item.team_id,
        "labels": list(item.labels or []),
        "is_complaint": item.is_complaint,
        "created_at": _time(item.created_at),
        "last_message_at": _time(item.last_message_at),
        "first_response_at": _time(item.first_response_at),
        "resolved_at": _time(item.resolved_at),
        "snoozed_until": _time(item.snoozed_until),
    }


def message(item: Message, attachments: Sequence[Attachment] = ()) -> dict[str, Any]:
    return {
        "id": item.id,
        "conversation_id": item.conversation_id,
        "direction": item.direction,
        "channel": item.channel,
        "kind": item.kind,
        "subject": item.subject,
        "text": item.text,
        # Sanitized at ingest; API clients that render it should still do so in a sandbox.
        "html": item.html,
        "sender_agent_id": item.sender_agent_id,
        "recipient": item.recipient,
        "delivery_status": item.delivery_status,
        "failure_reason": item.failure_reason,
        "created_at": _time(item.created_at),
        "attachments": [
            {"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size} for a in attachments
        ],
    }


def contact(item: Contact, identities: Sequence[ContactIdentity]) -> dict[str, Any]:
    return {
        "id": item.id,
        "name": item.name,
        "language": item.language,
        "preferred_channel": item.preferred_channel,
        "tier": item.tier,
        "is_key_account": item.is_key_account,
        "relationship_class": item.relationship_class,
        "owner_agent_id": item.owner_agent_id,
        "realised_value": str(item.realised_value),
        "potential_value": str(item.potential_value),
        "model_value": str(item.model_value),
        "cost_to_serve": str(item.cost_to_serve),
        "consent": dict(item.consent or {}),
        "identities": [{"kind": i.kind, "value": i.value, "verified": i.verified} for i in identities],
    }


def agent(item: Agent, team_ids: Sequence[int]) -> dict[str, Any]:
    return {
        "id": item.id,
        "name": item.name,
        "email": item.email,
        "role": item.role,
        "presence": item.presence,
        "team_ids": list(team_ids),
    }


def team(item: Team) -> dict[str, Any]:
    return {"id": item.id, "name": item.name}


def webhook_endpoint(item: WebhookEndpoint, counts: dict[str, int] | None = None) -> dict[str, Any]:
    return {
        "id": item.id,
        "url": item.url,
        "description": item.description,
        "events": list(item.events or []),
        "active": item.active,
        # Only enough of the signing secret to tell which one is set; it is shown in full once, on creation.
        "secret_hint": "…" + item.secret[-4:],
        "deliveries": dict(counts or {}),
        "created_at": _time(item.created_at),
        "updated_at": _time(item.updated_at),
    }


def webhook_delivery(item: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": item.id,
        "endpoint_id": item.endpoint_id,
        "event_id": item.event_id,
        "event": item.event_kind,
        "status": item.status,
        "attempts": item.attempts,
        "response_code": item.response_code,
        "last_error": item.last_error,
        "created_at": _time(item.created_at),
        "last_attempt_at": _time(item.last_attempt_at),
        "delivered_at": _time(item.delivered_at),
    }

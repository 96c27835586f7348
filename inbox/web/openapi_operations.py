"""The OpenAPI description of changing conversations, the directory's lists and edits, managing webhooks, and
the webhook requests the hub itself sends (OpenAPI 3.1 ``webhooks``). Merged into the served document."""

from __future__ import annotations

from typing import Any

from inbox.webhook_events import EVENT_KINDS
from inbox.webhook_signature import EVENT_ID_HEADER, EVENT_KIND_HEADER, SIGNATURE_HEADER


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _ok(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _path_int(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


ERROR = {"content": {"application/json": {"schema": _ref("Error")}}}
ERRORS: dict[str, Any] = {
    "400": {"description": "The body or a parameter is malformed", **ERROR},
    "401": {"description": "No valid API token", **ERROR},
    "404": {"description": "Missing, or out of the caller's reach", **ERROR},
}
REFUSED = {"422": {"description": "Refused; the detail says why", **ERROR}}
ADMIN_ONLY = {"403": {"description": "Only admins manage webhooks", **ERROR}}
CONVERSATION = _path_int("conversation_id")
WEBHOOK = _path_int("webhook_id")
TIME = {"type": ["string", "null"], "format": "date-time"}
DELIVERY_STATUSES = ["pending", "retrying", "succeeded", "dead"]

SCHEMAS: dict[str, Any] = {
    "StatusRequest": {
        "type": "object",
        "required": ["status"],
        "properties": {
            "status": {"type": "string", "enum": ["open", "pending", "snoozed", "resolved"]},
            "snoozed_until": {**TIME, "description": "required for snoozed; a time in the future (UTC if no zone)"},
        },
    },
    "AssignRequest": {
        "type": "object",
        "properties": {
            "agent_id": {"type": ["integer", "null"], "description": "null: back to the queue; omitted: unchanged"},
            "team_id": {"type": ["integer", "null"], "description": "move to this team's queue"},
            "note": {"type": "string", "maxLength": 500},
        },
    },
    "ConversationChanged": {
        "type": "object",
        "properties": {"changed": {"type": "boolean"}, "conversation": _ref("Conversation")},
    },
    "LabelRequest": {"type": "object", "required": ["label"], "properties": {"label": {"type": "string"}}},
    "Labels": {
        "type": "object",
        "properties": {"changed": {"type": "boolean"}, "labels": {"type": "array", "items": {"type": "string"}}},
    },
    "LabelCount": {
        "type": "object",
        "properties": {"name": {"type": "string"}, "conversations": {"type": "integer"}},
    },
    "ContactSummary": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": ["string", "null"]},
            "tier": {"type": "string"},
            "identities": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"kind": {"type": "string"}, "value": {"type": "string"}},
                },
            },
        },
    },
    "ContactChange": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "name": {"type": ["string", "null"]},
            "language": {"type": ["string", "null"], "description": "e.g. en, zh-CN"},
            "timezone": {"type": ["string", "null"], "description": "e.g. Asia/Shanghai"},
            "region": {"type": ["string", "null"]},
            "attributes": {
                "type": "object",
                "additionalProperties": {"type": ["string", "null"]},
                "description": "null removes an attribute; sensitive ones need a supervisor or admin",
            },
        },
    },
    "PresenceRequest": {
        "type": "object",
        "required": ["presence"],
        "properties": {"presence": {"type": "string", "enum": ["online", "busy", "away", "offline"]}},
    },
    "PresenceChange": {
        "type": "object",
        "properties": {
            "before": {"type": "string"},
            "presence": {"type": "string"},
            "requeued": {"type": "array", "items": {"type": "integer"}, "description": "conversations handed back"},
        },
    },
    "WebhookRequest": {
        "type": "object",
        "properties": {
            "url": {"type": "string", "format": "uri", "maxLength": 2000},
            "events": {"type": "array", "items": {"type": "string", "enum": list(EVENT_KINDS)}, "minItems": 1},
            "description": {"type": "string", "maxLength": 200},
            "secret": {"type": "string", "minLength": 16, "description": "omit on creation and the hub makes one"},
            "active": {"type": "boolean"},
        },
    },
    "Webhook": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "url": {"type": "string"},
            "description": {"type": "string"},
            "events": {"type": "array", "items": {"type": "string"}},
            "active": {"type": "boolean"},
            "secret_hint": {"type": "string", "description": "the secret's last characters"},
            "deliveries": {"type": "object", "additionalProperties": {"type": "integer"}},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
        },
    },
    "WebhookCreated": {
        "allOf": [
            _ref("Webhook"),
            {"type": "object", "properties": {"secret": {"type": "string", "description": "shown this once"}}},
        ]
    },
    "WebhookDelivery": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "endpoint_id": {"type": "integer"},
            "event_id": {"type": "string"},
            "event": {"type": "string"},
            "status": {"type": "string", "enum": DELIVERY_STATUSES},
            "attempts": {"type": "integer"},
            "response_code": {"type": ["integer", "null"]},
            "last_error": {"type": ["string", "null"]},
            "created_at": {"type": "string", "format": "date-time"},
            "last_attempt_at": TIME,
            "delivered_at": TIME,
        },
    },
    "WebhookEvent": {
        "type": "object",
        "description": "What the hub posts to a webhook. data holds what changed (ids, before and after) and the "
        "conversation, its customer and, for message.created, the message, in the shapes of this API. Sealed "
        "customer fields and private notes are never included. The conversation, customer and message are shown as "
        "they stand when the event is sent out (normally within a second of created_at); events are not ordered "
        "between each other, so compare created_at.",
        "properties": {
            "id": {"type": "string", "description": "the event id, also in X-Hub-Event-Id; drop repeats"},
            "type": {"type": "string", "enum": list(EVENT_KINDS)},
            "created_at": {"type": "string", "format": "date-time"},
            "data": {
                "type": "object",
                "properties": {
                    "conversation_id": {"type": "integer"},
                    "reopened": {"type": "boolean", "description": "message.created: it reopened the conversation"},
                    "status": {"type": "string", "description": "conversation.status_changed: the new status"},
                    "previous_status": {"type": "string"},
                    "snoozed_until": TIME,
                    "assignee_id": {"type": ["integer", "null"], "description": "assigned or transferred: to whom"},
                    "previous_assignee_id": {"type": ["integer", "null"]},
                    "team_id": {"type": ["integer", "null"]},
                    "previous_team_id": {"type": ["integer", "null"]},
                    "actor_agent_id": {"type": ["integer", "null"], "description": "who did it; null: the hub"},
                    "note": {"type": "string", "description": "a hand-over note"},
                    "contact_id": {"type": "integer", "description": "contact.created and contact.updated"},
                    "fields": {
                        "type": "array",
                        "items": {"type": "string"},
                        "description": "contact.updated: the names of what changed",
                    },
                    "conversation": _ref("Conversation"),
                    "contact": _ref("Contact"),
                    "message": _ref("Message"),
                },
            },
        },
    },
}

PATHS: dict[str, Any] = {
    "/api/v1/conversations/{conversation_id}/status": {
        "post": {
            "summary": "Set the status (open, pending, snoozed until a time, resolved)",
            "parameters": [CONVERSATION],
            "requestBody": _body(_ref("StatusRequest")),
            "responses": {"200": _ok(_ref("ConversationChanged")), **REFUSED, **ERRORS},
        }
    },
    "/api/v1/conversations/{conversation_id}/assign": {
        "post": {
            "summary": "Assign to an agent, transfer to a team's queue, or hand back to the queue",
            "parameters": [CONVERSATION],
            "requestBody": _body(_ref("AssignRequest")),
            "responses": {"200": _ok(_ref("ConversationChanged")), **REFUSED, **ERRORS},
        }
    },
    "/api/v1/conversations/{conversation_id}/labels": {
        "post": {
            "summary": "Add a label",
            "parameters": [CONVERSATION],
            "requestBody": _body(_ref("LabelRequest")),
            "responses": {
                "201": _ok(_ref("Labels"), "Added"),
                "200": _ok(_ref("Labels"), "It was there already"),
                **REFUSED,
                **ERRORS,
            },
        }
    },
    "/api/v1/conversations/{conversation_id}/labels/{label}": {
        "delete": {
            "summary": "Remove a label",
            "parameters": [
                CONVERSATION,
                {"name": "label", "in": "path", "required": True, "schema": {"type": "string"}},
            ],
            "responses": {"200": _ok(_ref("Labels")), **REFUSED, **ERRORS},
        }
    },
    "/api/v1/contacts": {
        "get": {
            "summary": "Customers within reach, newest first, or those matching q (name or identity, Chinese too)",
            "parameters": [
                _query("q", "search by name, e-mail address or number", {"type": "string"}),
                _query("limit", "at most this many (up to 200)", {"type": "integer", "minimum": 1}),
                _query("offset", "skip this many", {"type": "integer", "minimum": 0}),
            ],
            "responses": {
                "200": _ok(
                    {"type": "object", "properties": {"contacts": {"type": "array", "items": _ref("ContactSummary")}}}
                ),
                "403": {"description": "This role does not read customer records", **ERROR},
                **ERRORS,
            },
        }
    },
    "/api/v1/contacts/{contact_id}": {
        "patch": {
            "summary": "Change a customer's name, language, time zone, region or custom attributes (audited)",
            "parameters": [_path_int("contact_id")],
            "requestBody": _body(_ref("ContactChange")),
            "responses": {
                "200": _ok(
                    {"type": "object", "properties": {"changed": {"type": "boolean"}, "contact": _ref("Contact")}}
                ),
                **REFUSED,
                **ERRORS,
            },
        }
    },
    "/api/v1/agents/me/presence": {
        "put": {
            "summary": "Set one's own presence; going away hands back conversations not yet answered",
            "requestBody": _body(_ref("PresenceRequest")),
            "responses": {"200": _ok(_ref("PresenceChange")), **REFUSED, **ERRORS},
        }
    },
    "/api/v1/labels": {
        "get": {
            "summary": "Labels on the conversations within reach, most used first",
            "responses": {
                "200": _ok(
                    {"type": "object", "properties": {"labels": {"type": "array", "items": _ref("LabelCount")}}}
                ),
                **ERRORS,
            },
        }
    },
    "/api/v1/webhooks": {
        "get": {
            "summary": "Webhook endpoints and the events one can subscribe to (admins)",
            "responses": {
                "200": _ok(
                    {
                        "type": "object",
                        "properties": {
                            "events": {"type": "array", "items": {"type": "string"}},
                            "webhooks": {"type": "array", "items": _ref("Webhook")},
                        },
                    }
                ),
                **ADMIN_ONLY,
                **ERRORS,
            },
        },
        "post": {
            "summary": "Register a webhook endpoint (admins); the signing secret is returned this once",
            "requestBody": _body({"allOf": [_ref("WebhookRequest"), {"required": ["url", "events"]}]}),
            "responses": {"201": _ok(_ref("WebhookCreated"), "Registered"), **REFUSED, **ADMIN_ONLY, **ERRORS},
        },
    },
    "/api/v1/webhooks/{webhook_id}": {
        "get": {
            "summary": "One webhook endpoint with its delivery counts (admins)",
            "parameters": [WEBHOOK],
            "responses": {"200": _ok(_ref("Webhook")), **ADMIN_ONLY, **ERRORS},
        },
        "patch": {
            "summary": "Change a webhook endpoint: address, events, description, active, secret (admins)",
            "parameters": [WEBHOOK],
            "requestBody": _body(_ref("WebhookRequest")),
            "responses": {"200": _ok(_ref("Webhook")), **REFUSED, **ADMIN_ONLY, **ERRORS},
        },
        "delete": {
            "summary": "Remove a webhook endpoint and its delivery log (admins)",
            "parameters": [WEBHOOK],
            "responses": {"204": {"description": "Removed"}, **ADMIN_ONLY, **ERRORS},
        },
    },
    "/api/v1/webhooks/{webhook_id}/deliveries": {
        "get": {
            "summary": "The endpoint's deliveries, newest first (admins)",
            "parameters": [
                WEBHOOK,
                _query("status", "only deliveries in this state", {"type": "string", "enum": DELIVERY_STATUSES}),
                _query("limit", "at most this many (up to 200)", {"type": "integer", "minimum": 1}),
            ],
            "responses": {
                "200": _ok(
                    {
                        "type": "object",
                        "properties": {"deliveries": {"type": "array", "items": _ref("WebhookDelivery")}},
                    }
                ),
                **ADMIN_ONLY,
                **ERRORS,
            },
        }
    },
    "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver": {
        "post": {
            "summary": "Send a delivery again, same event id and body (admins)",
            "parameters": [WEBHOOK, _path_int("delivery_id")],
            "responses": {
                "202": _ok(
                    {
                        "type": "object",
                        "properties": {"delivery_id": {"type": "integer"}, "queued": {"type": "boolean"}},
                    },
                    "Queued",
                ),
                **ADMIN_ONLY,
                **ERRORS,
            },
        }
    },
}


def _signed_post(kind: str) -> dict[str, Any]:
    header = {"in": "header", "required": True}
    return {
        "post": {
            "summary": f"Sent by the hub on {kind}",
            "description": f"{SIGNATURE_HEADER} is t=<unix seconds>,v1=<hex HMAC-SHA256 keyed with the endpoint's "
            "secret over '<t>.<raw body>'>. Verify it over the exact bytes received, refuse a t outside your replay "
            "window (five minutes is the hub's recommendation), and drop an event id already seen: delivery is at "
            "least once. Answer 2xx within the timeout; anything else is retried with back-off.",
            "parameters": [
                {"name": SIGNATURE_HEADER, **header, "schema": {"type": "string"}},
                {"name": EVENT_ID_HEADER, **header, "schema": {"type": "string"}},
                {"name": EVENT_KIND_HEADER, **header, "schema": {"type": "string", "enum": [kind]}},
            ],
            "requestBody": _body(_ref("WebhookEvent")),
            "responses": {"200": {"description": "Received (any 2xx)"}},
        }
    }


OUTGOING: dict[str, Any] = {kind: _signed_post(kind) for kind in EVENT_KINDS}


def merged_paths(base: dict[str, Any]) -> dict[str, Any]:
    """``base`` with these operations added, path by path (a path may gain a method here)."""
    paths = {path: dict(item) for path, item in base.items()}
    for path, item in PATHS.items():
        paths.setdefault(path, {}).update(item)
    return paths

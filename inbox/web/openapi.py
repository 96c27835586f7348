"""The OpenAPI document of the REST API, written by hand so it says exactly what the handlers do."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from inbox.web import openapi_operations
from inbox.web.params import CHANNEL_CHOICES, STATUS_CHOICES, TIER_CHOICES


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _ok(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "401": {"description": "No valid API token", "content": {"application/json": {"schema": _ref("Error")}}},
    "404": {
        "description": "Missing, or out of the caller's reach",
        "content": {"application/json": {"schema": _ref("Error")}},
    },
}
ID = {"name": "conversation_id", "in": "path", "required": True, "schema": {"type": "integer"}}
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
CONTACT_ID = {"name": "contact_id", "in": "path", "required": True, "schema": {"type": "integer"}}
OFFER_ID = {"name": "offer_id", "in": "path", "required": True, "schema": {"type": "integer"}}
OFFER_REFUSED = {
    "description": "The offer is no longer open: already answered, run out, or its conversation moved on",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {
                    "error": {"type": "string"},
                    "detail": {"type": "string"},
                    "offer": _ref("Offer"),
                },
            }
        }
    },
}

SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "properties": {"error": {"type": "string"}, "detail": {"type": "string"}}},
    "InboxRow": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "subject": {"type": ["string", "null"]},
            "channel": {"type": "string"},
            "status": {"type": "string"},
            "is_complaint": {"type": "boolean"},
            "labels": {"type": "array", "items": {"type": "string"}},
            "contact": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "name": {"type": ["string", "null"]},
                    "tier": {"type": "string"},
                },
            },
            "assignee": {"type": ["string", "null"]},
            "team": {"type": ["string", "null"]},
            "last_message_at": {"type": "string", "format": "date-time"},
        },
    },
    "Conversation": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "contact_id": {"type": "integer"},
            "channel": {"type": "string"},
            "status": {"type": "string", "enum": list(STATUS_CHOICES)},
            "subject": {"type": ["string", "null"]},
            "assignee_id": {"type": ["integer", "null"]},
            "team_id": {"type": ["integer", "null"]},
            "labels": {"type": "array", "items": {"type": "string"}},
            "is_complaint": {"type": "boolean"},
            "created_at": {"type": "string", "format": "date-time"},
            "last_message_at": NULLABLE_TIME,
            "first_response_at": NULLABLE_TIME,
            "resolved_at": NULLABLE_TIME,
            "snoozed_until": NULLABLE_TIME,
        },
    },
    "Message": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "conversation_id": {"type": "integer"},
            "direction": {"type": "string", "enum": ["inbound", "outbound", "internal"]},
            "channel": {"type": "string"},
            "kind": {"type": "string"},
            "subject": {"type": ["string", "null"]},
            "text": {"type": "string"},
            "html": {"type": ["string", "null"], "description": "sanitized at ingest"},
            "sender_agent_id": {"type": ["integer", "null"]},
            "recipient": {"type": ["string", "null"]},
            "delivery_status": {"type": "string"},
            "failure_reason": {"type": ["string", "null"]},
            "created_at": {"type": "string", "format": "date-time"},
            "attachments": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "filename": {"type": "string"},
                        "content_type": {"type": "string"},
                        "size": {"type": "integer"},
                    },
                },
            },
        },
    },
    "ReplyRequest": {
        "type": "object",
        "required": ["text"],
        "properties": {
            "text": {"type": "string"},
            "channel": {
                "type": "string",
                "enum": [c for c in CHANNEL_CHOICES if c != "phone"],
                "description": "omit to answer on the customer's chosen channel",
            },
            "note": {"type": "boolean", "default": False, "description": "a private note never leaves the hub"},
        },
    },
    "CallbackOutcome": {
        "type": "object",
        "properties": {
            "message_id": {"type": "integer", "description": "the call's entry in the conversation"},
            "customer": {"type": "string", "description": "the number that will be dialled, E.164"},
            "queued": {"type": "boolean"},
        },
    },
    "ReplyOutcome": {
        "type": "object",
        "properties": {
            "message_id": {"type": "integer"},
            "channel": {"type": ["string", "null"]},
            "channel_reason": {"type": "string"},
            "queued": {"type": "boolean"},
            "notified": {
                "type": "array",
                "items": {"type": "string"},
                "description": "for a note: the colleagues its @mentions notified",
            },
        },
    },
    "Contact": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": ["string", "null"]},
            "language": {"type": ["string", "null"]},
            "preferred_channel": {"type": ["string", "null"]},
            "tier": {"type": "string", "enum": list(TIER_CHOICES)},
            "is_key_account": {"type": "boolean"},
            "relationship_class": {"type": "string"},
            "owner_agent_id": {"type": ["integer", "null"]},
            "realised_value": {"type": "string"},
            "potential_value": {"type": "string"},
            "model_value": {"type": "string"},
            "cost_to_serve": {"type": "string"},
            "consent": {"type": "object", "additionalProperties": {"type": "boolean"}},
            "identities": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "kind": {"type": "string"},
                        "value": {"type": "string"},
                        "verified": {"type": "boolean"},
                    },
                },
            },
        },
    },
    "Agent": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "email": {"type": "string"},
            "role": {"type": "string", "enum": ["agent", "supervisor", "admin", "marketer"]},
            "presence": {"type": "string"},
            "team_ids": {"type": "array", "items": {"type": "integer"}},
        },
    },
    "Team": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}},
    "Offer": {
        "type": "object",
        "description": "a call or chat put to one agent, who accepts or declines it before it runs out",
        "properties": {
            "id": {"type": "integer"},
            "conversation_id": {"type": "integer"},
            "agent_id": {"type": "integer"},
            "status": {"type": "string", "enum": ["open", "accepted", "declined", "expired", "withdrawn"]},
            "channel": {"type": "string"},
            "subject": {"type": ["string", "null"]},
            "customer": {"type": ["string", "null"]},
            "tier": {"type": "string"},
            "offered_at": {"type": "string", "format": "date-time"},
            "expires_at": {"type": "string", "format": "date-time"},
            "answered_at": NULLABLE_TIME,
            "seconds_left": {"type": "integer", "description": "0 once answered or run out"},
        },
    },
}


def _query(name: str, description: str, enum: tuple[str, ...] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if enum:
        schema["enum"] = list(enum)
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


PATHS: dict[str, Any] = {
    "/api/v1/conversations": {
        "get": {
            "summary": "Conversations in one inbox view, highest tier then longest wait first",
            "parameters": [
                _query(
                    "view",
                    "mine, unassigned, teams or all (all: supervisors and admins)",
                    ("mine", "unassigned", "teams", "all"),
                ),
                _query("channel", "only this channel", CHANNEL_CHOICES),
                _query("status", "only this status (default open; 'any' for all)", (*STATUS_CHOICES, "any")),
                _query("tier", "only customers of this tier", TIER_CHOICES),
                _query("team", "only this team's id"),
                _query("label", "only with this label"),
                _query("complaint", "yes or no", ("yes", "no")),
                _query("sla", "breached: past its first-response or resolution due time; kept", ("breached", "kept")),
                _query("limit", "at most this many (up to 200)"),
                _query("offset", "skip this many"),
            ],
            "responses": {
                "200": _ok(
                    {
                        "type": "object",
                        "properties": {
                            "view": {"type": "string"},
                            "counts": {
                                "type": "object",
                                "additionalProperties": {"type": "integer"},
                                "description": "counted up to 1000; 1001 means more than 1000",
                            },
                            "conversations": {"type": "array", "items": _ref("InboxRow")},
                        },
                    }
                ),
                **ERRORS,
            },
        }
    },
    "/api/v1/conversations/{conversation_id}": {
        "get": {
            "summary": "One conversation",
            "parameters": [ID],
            "responses": {"200": _ok(_ref("Conversation")), **ERRORS},
        }
    },
    "/api/v1/conversations/{conversation_id}/messages": {
        "get": {
            "summary": "The conversation's messages and private notes, oldest first",
            "parameters": [ID],
            "responses": {
                "200": _ok({"type": "object", "properties": {"messages": {"type": "array", "items": _ref("Message")}}}),
                **ERRORS,
            },
        }
    },
    "/api/v1/conversations/{conversation_id}/reply": {
        "post": {
            "summary": "Queue a reply on the customer's channel, or add a private note",
            "parameters": [ID],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("ReplyRequest")}}},
            "responses": {
                "201": _ok(_ref("ReplyOutcome"), "Queued (or noted)"),
                "422": {"description": "No channel can reach the customer, or the reply is empty"},
                **ERRORS,
            },
        }
    },
    "/api/v1/conversations/{conversation_id}/callback": {
        "post": {
            "summary": "Call the customer back: ring the caller's phone, then dial the customer",
            "description": (
                "The call is logged in the conversation at once (delivery_status queued) and placed by a job; "
                "Twilio's status callbacks then move the log entry (sent, delivered, or failed with a reason). "
                "Placing it removes the conversation's callback_requested label."
            ),
            "parameters": [ID],
            "responses": {
                "202": _ok(_ref("CallbackOutcome"), "Logged; the call is being placed"),
                "422": {
                    "description": "The customer has no phone number or refused calls, or the caller has no phone",
                    "content": {"application/json": {"schema": _ref("Error")}},
                },
                **ERRORS,
            },
        }
    },
    "/api/v1/contacts/{contact_id}": {
        "get": {
            "summary": "A customer record (the read is audited)",
            "parameters": [{"name": "contact_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {"200": _ok(_ref("Contact")), **ERRORS},
        }
    },
    "/api/v1/agents": {
        "get": {
            "summary": "Active agents and their teams",
            "responses": {
                "200": _ok({"type": "object", "properties": {"agents": {"type": "array", "items": _ref("Agent")}}}),
                "401": ERRORS["401"],
            },
        }
    },
    "/api/v1/teams": {
        "get": {
            "summary": "Teams",
            "responses": {
                "200": _ok({"type": "object", "properties": {"teams": {"type": "array", "items": _ref("Team")}}}),
                "401": ERRORS["401"],
            },
        }
    },
    "/api/v1/search": {
        "get": {
            "summary": "Messages and customers matching the words, within the caller's reach, best first",
            "description": (
                "Substring search, Chinese included; every word must match. Words of three characters or more "
                "search the whole archive; a query of only shorter words searches the latest messages "
                "(recent_only). The newest matches are ranked; truncated says more matched than were ranked. "
                "*_html fields are escaped HTML with <mark> around the matches."
            ),
            "parameters": [
                {**_query("q", "what to look for"), "required": True},
                _query("page", "page of message hits, from 1 (customers come with page 1)"),
                _query("per_page", "message hits per page (default 20, up to 100)"),
            ],
            "responses": {
                "200": _ok(
                    {
                        "type": "object",
                        "properties": {
                            "query": {"type": "string"},
                            "terms": {"type": "array", "items": {"type": "string"}},
                            "page": {"type": "integer"},
                            "has_next": {"type": "boolean"},
                            "truncated": {"type": "boolean"},
                            "recent_only": {"type": "boolean"},
                            "customers": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "properties": {
                                        "id": {"type": "integer"},
                                        "name": {"type": ["string", "null"]},
                                        "name_html": {"type": "string"},
                                        "tier": {"type": "string"},
                                        "identities_html": {"type": "array", "items": {"type": "string"}},
                                        "conversation_id": {"type": ["integer", "null"]},
                                    },
                                },
                            },
                            "messages": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "properties": {
                                        "id": {"type": "integer"},
                                        "conversation_id": {"type": "integer"},
                                        "contact": {
                                            "type": "object",
                                            "properties": {
                                                "id": {"type": "integer"},
                                                "name": {"type": ["string", "null"]},
                                            },
                                        },
                                        "channel": {"type": "string"},
                                        "direction": {"type": "string"},
                                        "created_at": {"type": "string", "format": "date-time"},
                                        "subject_html": {"type": ["string", "null"]},
                                        "snippet_html": {"type": "string"},
                                        "score": {"type": "number"},
                                    },
                                },
                            },
                        },
                    }
                ),
                "400": {"description": "No query", "content": {"application/json": {"schema": _ref("Error")}}},
                "401": ERRORS["401"],
                "403": {"description": "The caller's role reads no conversations"},
            },
        }
    },
    # ---- The customer's sensitive fields and own data (privacy) ----
    "/api/v1/contacts/{contact_id}/sensitive": {
        "get": {
            "summary": "Which sensitive fields the customer has, masked (the read is audited)",
            "parameters": [CONTACT_ID],
            "responses": {
                "200": _ok(
                    {
                        "type": "object",
                        "properties": {
                            "contact_id": {"type": "integer"},
                            "fields": {"type": "object", "additionalProperties": {"type": ["string", "null"]}},
                        },
                    }
                ),
                **ERRORS,
            },
        }
    },
    "/api/v1/contacts/{contact_id}/reveal": {
        "post": {
            "summary": "Reveal one sensitive field (supervisors and admins; each reveal audited with who, when, where)",
            "parameters": [CONTACT_ID],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["field"],
                            "properties": {
                                "field": {
                                    "type": "string",
                                    "description": "id_document_number, date_of_birth, income, health_notes, "
                                    "family_details, or custom_attributes.<name> of a sensitive attribute",
                                }
                            },
                        }
                    }
                },
            },
            "responses": {
                "200": _ok(
                    {
                        "type": "object",
                        "properties": {"field": {"type": "string"}, "value": {"type": ["string", "null"]}},
                    }
                ),
                "403": {"description": "The caller may not reveal sensitive fields, or the field is not sensitive"},
                **ERRORS,
            },
        }
    },
    "/api/v1/contacts/{contact_id}/export": {
        "post": {
            "summary": "Everything held about the customer as a zip of JSON documents and files (admins; audited)",
            "parameters": [CONTACT_ID],
            "responses": {
                "200": {
                    "description": "The archive",
                    "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
                },
                "403": {"description": "Only an admin may export"},
                "409": {"description": "The record was merged into another; export that one"},
                **ERRORS,
            },
        }
    },
    "/api/v1/contacts/{contact_id}/erase": {
        "post": {
            "summary": "Erase the customer at their request: irreversible (admins; audited)",
            "parameters": [CONTACT_ID],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["confirm"],
                            "properties": {"confirm": {"type": "integer", "description": "the customer's id again"}},
                        }
                    }
                },
            },
            "responses": {
                "200": _ok(
                    {
                        "type": "object",
                        "properties": {
                            "contact_ids": {"type": "array", "items": {"type": "integer"}},
                            "messages": {"type": "integer"},
                            "identities": {"type": "integer"},
                            "attachments": {"type": "integer"},
                            "raw_payloads": {"type": "integer"},
                            "files": {"type": "integer"},
                        },
                    }
                ),
                "400": {"description": "confirm does not repeat the customer's id"},
                "403": {"description": "Only an admin may erase"},
                **ERRORS,
            },
        }
    },
    # ---- Offers: calls and chats put to the caller, who accepts or declines ----
    "/api/v1/offers": {
        "get": {
            "summary": "The caller's offers still open, oldest first",
            "responses": {
                "200": _ok({"type": "object", "properties": {"offers": {"type": "array", "items": _ref("Offer")}}}),
                "401": ERRORS["401"],
                "403": {"description": "The caller's role takes no conversations"},
            },
        }
    },
    "/api/v1/offers/{offer_id}/accept": {
        "post": {
            "summary": "Take the call or chat: the conversation stays with the caller",
            "parameters": [OFFER_ID],
            "responses": {
                "200": _ok(_ref("Offer"), "Accepted"),
                "409": OFFER_REFUSED,
                "403": {"description": "The caller's role takes no conversations"},
                **ERRORS,
            },
        }
    },
    "/api/v1/offers/{offer_id}/decline": {
        "post": {
            "summary": "Pass the call or chat on: it waits for someone else with its place in the queue kept",
            "description": "Declining an offer already declined answers 200 again.",
            "parameters": [OFFER_ID],
            "responses": {
                "200": _ok(_ref("Offer"), "Declined"),
                "409": OFFER_REFUSED,
                "403": {"description": "The caller's role takes no conversations"},
                **ERRORS,
            },
        }
    },
    "/api/v1/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OK"}}}},
}


def document(server_url: str) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Contact Hub API", "version": "1"},
        "servers": [{"url": server_url}],
        "security": [{"bearer": []}],
        "paths": openapi_operations.merged_paths(PATHS),
        "webhooks": openapi_operations.OUTGOING,
        "components": {
            "schemas": {**SCHEMAS, **openapi_operations.SCHEMAS},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "a token from `hub user token EMAIL`"}
            },
        },
    }


async def openapi_json(request: Request) -> Response:
    return JSONResponse(document(request.app.state.settings.hub.public_url))


routes = [Route("/api/v1/openapi.json", openapi_json, methods=["GET"])]

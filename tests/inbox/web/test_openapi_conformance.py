"""Answers and webhook bodies checked against the served OpenAPI document: every field they carry is documented
with its type, so the document cannot drift from what the handlers do."""

from __future__ import annotations

from typing import Any

from inbox.actions.api_tokens import do_issue_api_token
from tests.support.factories import inbound, ingest
from tests.support.jobs import JobDriver
from tests.support.web import build_app, build_world, client_for
from tests.support.webhook_receiver import Receiver
from workers.context import JobContext

JSON_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}


def conforms(value: Any, schema: dict[str, Any], document: dict[str, Any], where: str = "$") -> list[str]:
    """What in ``value`` the schema does not allow (a small subset of JSON Schema: enough for this document)."""
    if "$ref" in schema:
        return conforms(value, document["components"]["schemas"][schema["$ref"].split("/")[-1]], document, where)
    if "allOf" in schema:
        merged: dict[str, Any] = {"type": "object", "properties": {}}
        for part in schema["allOf"]:
            part = document["components"]["schemas"][part["$ref"].split("/")[-1]] if "$ref" in part else part
            merged["properties"].update(part.get("properties", {}))
        return conforms(value, merged, document, where)
    problems: list[str] = []
    types = schema.get("type")
    if types is not None:
        allowed = [types] if isinstance(types, str) else types
        ok = any(isinstance(value, JSON_TYPES[t]) and not (t == "integer" and isinstance(value, bool)) for t in allowed)
        if not ok:
            return [f"{where}: {value!r} is not {types}"]
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{where}: {value!r} not in {schema['enum']}")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if key in properties:
                problems += conforms(item, properties[key], document, f"{where}.{key}")
            elif isinstance(extra, dict):
                problems += conforms(item, extra, document, f"{where}.{key}")
            elif properties:
                problems.append(f"{where}.{key}: not documented")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            problems += conforms(item, schema["items"], document, f"{where}[{index}]")
    return problems


def response_schema(document: dict[str, Any], path: str, method: str, status: int) -> dict[str, Any]:
    response = document["paths"][path][method]["responses"][str(status)]
    schema: dict[str, Any] = response["content"]["application/json"]["schema"]
    return schema


async def test_answers_and_webhook_bodies_match_the_document(ctx: JobContext, jobs: JobDriver) -> None:
    world = await build_world(ctx)
    await jobs.drain()
    root_token = await do_issue_api_token(ctx.store, agent_id=world.people["root"], name="t", actor_agent_id=None)
    root = {"Authorization": f"Bearer {root_token.token}"}
    own = world.conversations["chen_own"]
    async with Receiver() as receiver, client_for(build_app(ctx)) as client:
        document = (await client.get("/api/v1/openapi.json", headers=root)).json()
        created = await client.post(
            "/api/v1/webhooks", json={"url": receiver.url, "events": ["message.created"]}, headers=root
        )
        webhook = created.json()["id"]
        calls: list[tuple[str, str, str, dict[str, Any] | None]] = [
            (
                "post",
                f"/api/v1/conversations/{own}/status",
                "/api/v1/conversations/{conversation_id}/status",
                {"status": "pending"},
            ),
            (
                "post",
                f"/api/v1/conversations/{own}/labels",
                "/api/v1/conversations/{conversation_id}/labels",
                {"label": "vip"},
            ),
            (
                "post",
                f"/api/v1/conversations/{own}/assign",
                "/api/v1/conversations/{conversation_id}/assign",
                {"agent_id": world.people["marcus"]},
            ),
            ("get", "/api/v1/labels", "/api/v1/labels", None),
            ("get", "/api/v1/contacts", "/api/v1/contacts", None),
            (
                "patch",
                f"/api/v1/contacts/{world.contacts['chen_own']}",
                "/api/v1/contacts/{contact_id}",
                {"name": "Li"},
            ),
            ("put", "/api/v1/agents/me/presence", "/api/v1/agents/me/presence", {"presence": "busy"}),
            ("get", "/api/v1/webhooks", "/api/v1/webhooks", None),
            ("get", f"/api/v1/webhooks/{webhook}", "/api/v1/webhooks/{webhook_id}", None),
            ("patch", f"/api/v1/webhooks/{webhook}", "/api/v1/webhooks/{webhook_id}", {"description": "CRM"}),
            ("get", f"/api/v1/conversations/{own}", "/api/v1/conversations/{conversation_id}", None),
        ]
        for method, url, template, body in calls:
            response = await client.request(method.upper(), url, json=body, headers=root)
            schema = response_schema(document, template, method, response.status_code)
            assert conforms(response.json(), schema, document) == [], (method, url)
        assert conforms(created.json(), response_schema(document, "/api/v1/webhooks", "post", 201), document) == []
        await ingest(ctx, inbound(external_id="new@example.com"))
        await jobs.drain()
        log = await client.get(f"/api/v1/webhooks/{webhook}/deliveries", headers=root)
        schema = response_schema(document, "/api/v1/webhooks/{webhook_id}/deliveries", "get", 200)
        assert conforms(log.json(), schema, document) == []
    (received,) = receiver.requests
    event_schema = document["webhooks"]["message.created"]["post"]["requestBody"]["content"]["application/json"]
    assert conforms(received.document, event_schema["schema"], document) == []
    assert conforms({"surprise": 1}, {"$ref": "#/components/schemas/Webhook"}, document) != [], "the check can fail"

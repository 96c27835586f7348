from __future__ import annotations

from starlette.routing import Route

from inbox.actions.api_tokens import do_issue_api_token
from tests.support.web import build_app, build_world, client_for
from workers.context import JobContext


async def test_the_document_describes_every_api_route(ctx: JobContext) -> None:
    world = await build_world(ctx)
    token = (await do_issue_api_token(ctx.store, agent_id=world.people["chen"], name="t", actor_agent_id=None)).token
    app = build_app(ctx)
    async with client_for(app) as client:
        response = await client.get("/api/v1/openapi.json", headers={"Authorization": f"Bearer {token}"})
    document = response.json()
    assert document["openapi"].startswith("3.") and document["components"]["securitySchemes"]["bearer"]
    served = {
        (route.path, method.lower())
        for route in app.routes
        if isinstance(route, Route) and route.path.startswith("/api/")
        for method in (route.methods or ()) - {"HEAD"}
    }
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    assert served == documented
    for item in document["paths"].values():
        for operation in item.values():
            for response_spec in operation["responses"].values():
                for media in response_spec.get("content", {}).values():
                    ref = media["schema"].get("$ref")
                    if ref:
                        assert ref.split("/")[-1] in document["components"]["schemas"]

"""``GET /api/v1/search``: the search page's results as JSON, under the same access policy.

Highlighted fields are HTML (``*_html``: escaped text with ``<mark>`` around matches), safe to insert as markup;
the plain fields are text.
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from inbox.access import Viewer
from inbox.search import CustomerHit, MessageHit, search
from inbox.web.params import optional_int

MAX_PER_PAGE = 100


def _customer(hit: CustomerHit) -> dict[str, Any]:
    return {
        "id": hit.contact_id,
        "name": hit.name.striptags() or None,
        "name_html": str(hit.name),
        "tier": hit.tier,
        "identities_html": [str(identity) for identity in hit.identities],
        "conversation_id": hit.conversation_id,
    }


def _message(hit: MessageHit) -> dict[str, Any]:
    return {
        "id": hit.message_id,
        "conversation_id": hit.conversation_id,
        "contact": {"id": hit.contact_id, "name": hit.contact_name},
        "channel": hit.channel,
        "direction": hit.direction,
        "created_at": hit.created_at.isoformat(),
        "subject_html": str(hit.subject) or None,
        "snippet_html": str(hit.snippet),
        "score": hit.score,
    }


async def search_api(request: Request) -> Response:
    viewer: Viewer = request.state.viewer
    if not viewer.reads_conversations:
        raise HTTPException(403, "this role does not read conversations")
    raw = request.query_params.get("q", "")
    if not raw.strip():
        raise HTTPException(400, "q must hold something to search for")
    page = max(optional_int(request.query_params.get("page"), "page") or 1, 1)
    per_page = min(max(optional_int(request.query_params.get("per_page"), "per_page") or 20, 1), MAX_PER_PAGE)
    async with request.app.state.store.read() as session:
        results = await search(session, viewer, raw, page=page, per_page=per_page)
    return JSONResponse(
        {
            "query": results.query.text,
            "terms": list(results.query.terms),
            "page": results.page,
            "has_next": results.has_next,
            "truncated": results.truncated,
            "recent_only": results.recent_only,
            "customers": [_customer(hit) for hit in results.customers],
            "messages": [_message(hit) for hit in results.messages],
        }
    )

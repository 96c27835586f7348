"""Attachments of messages: images, fax PDFs and recordings shown in the browser, anything else downloaded.

Files come from customers, so they are served as inert as the browser allows: a sandboxing policy on the
response, no content sniffing, and only types that cannot carry script are ever shown inline (no SVG, no HTML).
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from inbox.access import Viewer, visible_attachment
from inbox.blobs import BlobStore
from inbox.web.params import path_id

INLINE_TYPES = frozenset(
    {
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "image/tiff",
        "application/pdf",
        "audio/mpeg",
        "audio/wav",
        "audio/x-wav",
        "audio/ogg",
    }
)


def _disposition(filename: str, inline: bool) -> str:
    # Only a conservative ASCII name in the header; the full name is shown on the page.
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._- ") else "_" for ch in filename) or "file"
    return f'{"inline" if inline else "attachment"}; filename="{safe}"'


async def attachment(request: Request) -> Response:
    viewer: Viewer = request.state.viewer
    async with request.app.state.store.read() as session:
        found = await visible_attachment(session, viewer, path_id(request.path_params["attachment_id"]))
    if found is None:
        raise HTTPException(404)
    blobs: BlobStore = request.app.state.blobs
    try:
        data = await blobs.get(found.sha256)
    except (FileNotFoundError, ValueError) as exc:
        raise HTTPException(404, "the file is no longer kept") from exc
    content_type = found.content_type.split(";")[0].strip().lower()
    inline = content_type in INLINE_TYPES
    return Response(
        data,
        media_type=content_type if inline else "application/octet-stream",
        headers={
            "Content-Disposition": _disposition(found.filename, inline),
            "Content-Security-Policy": "sandbox; default-src 'none'; img-src 'self'; media-src 'self'",
            "Cache-Control": "private, max-age=3600",
        },
    )


routes = [Route("/attachments/{attachment_id}", attachment, methods=["GET"])]

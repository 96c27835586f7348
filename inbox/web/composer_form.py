"""Reading the composer's multipart form: text, channel, note flag, CC addresses and attached files."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request

from inbox.conversation_view import REPLY_CHANNELS
from inbox.reply_files import Upload, check_uploads, parse_cc
from inbox.settings import CollaborationSection

# Room for the text fields and the multipart framing on top of the files themselves.
FORM_OVERHEAD_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ComposerInput:
    text: str
    channel: str | None
    note: bool
    cc: list[str]
    uploads: list[Upload]


def text_field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def refuse_oversized(request: Request, limits: CollaborationSection) -> None:
    """Answer 413 before reading a body that could not be accepted anyway."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limits.max_total_attachment_bytes + FORM_OVERHEAD_BYTES:
        raise HTTPException(413, "The files are too large to attach.")


async def composer_input(form: FormData, limits: CollaborationSection) -> ComposerInput:
    """Raises ``FilesRefused`` for files or addresses beyond the limits (shown to the agent)."""
    channel = text_field(form, "channel") or None
    if channel is not None and channel not in REPLY_CHANNELS:
        raise HTTPException(400, "unknown channel")
    note = text_field(form, "note") == "on"
    files: list[Upload] = []
    if not note:
        for item in form.getlist("files"):
            if isinstance(item, UploadFile) and (item.filename or item.size):
                files.append(Upload(item.filename or "", item.content_type or "", await item.read()))
    return ComposerInput(
        text=text_field(form, "text"),
        channel=channel,
        note=note,
        cc=[] if note else parse_cc(text_field(form, "cc"), limits.max_cc),
        uploads=check_uploads(files, limits),
    )

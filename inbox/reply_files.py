"""Files an agent attaches to a reply: checked against the limits, kept in the blob store before the reply's
transaction (as inbound attachments are), and carried by e-mail only.

Writing the file first and the row after means a crash in between leaves an unreferenced file, which the purge's
sweep collects after its grace period; never a row without its file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import getaddresses

from inbox.blobs import BlobStore
from inbox.settings import CollaborationSection

# Types a mail client would run or render as a page are sent as opaque downloads: the customer's safety.
_DOWNLOAD_ONLY = frozenset({"text/html", "application/xhtml+xml", "image/svg+xml", "application/javascript"})


class FilesRefused(Exception):
    """An attachment or CC address is not acceptable; the reason is written for the agent."""


@dataclass(frozen=True, slots=True)
class Upload:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class StoredFile:
    filename: str
    content_type: str
    sha256: str
    size: int


def _clean_name(filename: str) -> str:
    # Browsers may send a path; only the last part is the name, and control characters never belong in a header.
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:255] or "attachment"


def _clean_type(content_type: str) -> str:
    kind = content_type.split(";", 1)[0].strip().lower()
    if "/" not in kind or kind in _DOWNLOAD_ONLY:
        return "application/octet-stream"
    return kind


def check_uploads(uploads: Sequence[Upload], limits: CollaborationSection) -> list[Upload]:
    files = [upload for upload in uploads if upload.data or upload.filename]
    if len(files) > limits.max_attachments:
        raise FilesRefused(f"at most {limits.max_attachments} files can be attached to one reply")
    total = 0
    for upload in files:
        if not upload.data:
            raise FilesRefused(f"{_clean_name(upload.filename)} is empty")
        if len(upload.data) > limits.max_attachment_bytes:
            raise FilesRefused(
                f"{_clean_name(upload.filename)} is larger than {limits.max_attachment_bytes // (1024 * 1024)} MB"
            )
        total += len(upload.data)
    if total > limits.max_total_attachment_bytes:
        raise FilesRefused(
            f"the files together are larger than {limits.max_total_attachment_bytes // (1024 * 1024)} MB"
        )
    return [Upload(_clean_name(u.filename), _clean_type(u.content_type), u.data) for u in files]


async def store_uploads(blobs: BlobStore, uploads: Sequence[Upload]) -> list[StoredFile]:
    digests = await blobs.put_many([upload.data for upload in uploads])
    return [
        StoredFile(upload.filename, upload.content_type, digest, len(upload.data))
        for upload, digest in zip(uploads, digests, strict=True)
    ]


def parse_cc(raw: str, limit: int) -> list[str]:
    """Addresses from a comma-separated field; each must look like an address."""
    if not raw.strip():
        return []
    found = [address.strip().lower() for _, address in getaddresses([raw.replace(";", ",")]) if address.strip()]
    for address in found:
        local, _, domain = address.partition("@")
        if not local or "." not in domain or any(ch.isspace() or ch in '<>",;' for ch in address):
            raise FilesRefused(f"{address!r} is not an e-mail address")
    found = list(dict.fromkeys(found))
    if len(found) > limit:
        raise FilesRefused(f"at most {limit} CC addresses per reply")
    return found

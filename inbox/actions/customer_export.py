"""A customer's own copy of everything the hub holds about them: JSON documents and files in one zip archive.

Only an admin (or the system, running the ``hub`` command) may make one; each export is audited. The archive holds
the sensitive fields opened, since it is the customer's own data: it is written to a new file only readable by
its owner and is the caller's to hand over securely.
"""

from __future__ import annotations

import asyncio
import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inbox import audit
from inbox.actions.privacy import require_admin
from inbox.blobs import BlobStore
from inbox.customer_archive import CustomerArchive, gather
from inbox.models import Contact, utcnow
from inbox.store import Store


class ExportRefused(Exception):
    pass


@dataclass(frozen=True)
class ExportSummary:
    contact_id: int
    conversations: int
    messages: int
    files: int
    missing_files: int


async def do_export_customer(
    store: Store, blobs: BlobStore, contact_id: int, out_path: Path, *, actor_agent_id: int | None
) -> ExportSummary:
    async with store.read() as session:
        await require_admin(session, actor_agent_id)
        contact = await session.get(Contact, contact_id)
        if contact is None:
            raise ExportRefused(f"no customer {contact_id}")
        if contact.merged_into_id is not None:
            raise ExportRefused(f"customer {contact_id} was merged into {contact.merged_into_id}; export that record")
        archive = await gather(session, contact)
    missing = await asyncio.to_thread(_write_zip, archive, blobs, out_path)
    summary = ExportSummary(
        contact_id=contact_id,
        conversations=len(archive.conversations),
        messages=sum(len(c["messages"]) for c in archive.conversations),
        files=len(archive.files) + len(archive.inline_files) - missing,
        missing_files=missing,
    )
    async with store.write() as session:
        audit.record(
            session,
            "contact.exported",
            actor_agent_id=actor_agent_id,
            contact_id=contact_id,
            conversations=summary.conversations,
            messages=summary.messages,
            files=summary.files,
        )
    return summary


def _document(archive: CustomerArchive) -> dict[str, Any]:
    return {
        "profile.json": {**archive.profile, "merged_records": archive.merged_records},
        "identities.json": archive.identities,
        "consents.json": {"by_channel": archive.profile.get("consent", {})},
        "conversations.json": archive.conversations,
        "audit.json": archive.audit,
        **{f"other/{name}.json": rows for name, rows in archive.other.items()},
        "manifest.json": {
            "exported_at": utcnow().isoformat(),
            "contact_ids": archive.contact_ids,
            "files": [path for path, _ in archive.files] + [path for path, _ in archive.inline_files],
        },
    }


def _write_zip(archive: CustomerArchive, blobs: BlobStore, out_path: Path) -> int:
    """Write the archive beside its destination, then move it in place; returns how many files were missing."""
    out_path.parent.mkdir(parents=True, exist_ok=True)
    partial = out_path.with_name(out_path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    missing = 0
    try:
        with os.fdopen(descriptor, "wb") as stream, zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as zipped:
            for name, content in _document(archive).items():
                zipped.writestr(name, json.dumps(content, ensure_ascii=False, indent=2))
            for path, digest in archive.files:
                source = blobs.path_for(digest)
                if source.exists():
                    zipped.write(source, path)
                else:
                    missing += 1
            for path, data in archive.inline_files:
                zipped.writestr(path, data)
        os.replace(partial, out_path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return missing

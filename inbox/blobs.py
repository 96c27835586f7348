"""Content-addressed file storage: attachments and raw payloads, each kept once under its SHA-256."""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from pathlib import Path


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, digest: str) -> Path:
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ValueError(f"not a SHA-256 hex digest: {digest!r}")
        return self.root / digest[:2] / digest[2:4] / digest

    def _write(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        target = self.path_for(digest)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write aside then rename, so a crash never leaves a truncated file under a valid digest.
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return digest

    async def put(self, data: bytes) -> str:
        return await asyncio.to_thread(self._write, data)

    def put_sync(self, data: bytes) -> str:
        return self._write(data)

    async def get(self, digest: str) -> bytes:
        return await asyncio.to_thread(self.path_for(digest).read_bytes)

    def exists(self, digest: str) -> bool:
        return self.path_for(digest).exists()

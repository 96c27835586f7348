"""Content-addressed file storage: attachments and raw payloads, each kept once under its SHA-256."""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, digest: str) -> Path:
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ValueError(f"not a SHA-256 hex digest: {digest!r}")
        return self.root / digest[:2] / digest[2:4] / digest

    @staticmethod
    def digest(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()

    def _write(self, data: bytes, *, sync: bool = True) -> tuple[str, bool]:
        """Store ``data``; returns its digest and whether a new file was written."""
        digest = self.digest(data)
        target = self.path_for(digest)
        if target.exists():
            # Marks the file as just needed again, so a purge racing this write leaves it alone.
            os.utime(target)
            return digest, False
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write aside then rename, so a crash never leaves a truncated file under a valid digest.
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                if sync:
                    os.fsync(stream.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return digest, True

    def _write_many(self, items: list[bytes]) -> list[str]:
        return [self._write(data)[0] for data in items]

    async def put_many(self, items: list[bytes]) -> list[str]:
        if not items:
            return []
        return await asyncio.to_thread(self._write_many, items)

    async def put(self, data: bytes) -> str:
        digest, _ = await asyncio.to_thread(self._write, data)
        return digest

    def put_sync(self, data: bytes) -> str:
        digest, _ = self._write(data)
        return digest

    async def get(self, digest: str) -> bytes:
        return await asyncio.to_thread(self.path_for(digest).read_bytes)

    def exists(self, digest: str) -> bool:
        return self.path_for(digest).exists()

    def remove(self, digest: str) -> bool:
        """Delete a file; False when it was not there."""
        try:
            self.path_for(digest).unlink()
        except FileNotFoundError:
            return False
        return True

    def stored(self) -> Iterator[tuple[str, float]]:
        """Every file's digest and modification time, in no particular order."""
        if not self.root.exists():
            return
        for path in self.root.glob("??/??/*"):
            if not path.name.startswith(".") and len(path.name) == 64:
                yield path.name, path.stat().st_mtime

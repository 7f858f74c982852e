"""Attachments on disk, content-addressed: a file's name is the sha256 of its bytes.

The same file sent twice is stored once; a file is never changed once written (written to
a temporary name first, then renamed, so a crash leaves no half file under a real name).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from pathlib import Path

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class FileStore:
    """Files kept under ``root``, as ``ab/abcdef….`` by their sha256."""

    def __init__(self, root: str | Path) -> None:
        """Keep files under ``root`` (created on first write)."""
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        """Where the file with this digest is (or would be) kept."""
        if not _SHA256.match(sha256):
            raise ValueError("not a sha256 digest")
        return self.root / sha256[:2] / sha256

    def put(self, content: bytes) -> str:
        """Store ``content`` (once, whatever the number of calls); its sha256."""
        digest = hashlib.sha256(content).hexdigest()
        target = self.path(digest)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".part-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(content)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return digest

    def read(self, sha256: str) -> bytes | None:
        """The stored bytes, or None when the file is missing (or is not what its name says)."""
        try:
            content = self.path(sha256).read_bytes()
        except (OSError, ValueError):
            return None
        return content if hashlib.sha256(content).hexdigest() == sha256 else None

    def digests(self) -> list[str]:
        """Every stored file's digest."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.glob("??/*") if _SHA256.match(p.name))

    def copy_to(self, other: FileStore) -> int:
        """Copy every file ``other`` lacks into it (a backup, a restore); how many were copied."""
        copied = 0
        for digest in self.digests():
            if other.path(digest).exists():
                continue
            other.path(digest).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.path(digest), other.path(digest))
            copied += 1
        return copied

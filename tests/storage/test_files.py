"""The attachment store: content-addressed, written whole, checked on reading."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from storage.files import FileStore


def test_a_file_is_kept_once_under_its_digest(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "files")
    content = "教案".encode() * 100
    digest = store.put(content)
    assert digest == hashlib.sha256(content).hexdigest()
    assert store.put(content) == digest
    assert store.digests() == [digest]
    assert store.path(digest) == tmp_path / "files" / digest[:2] / digest
    assert store.read(digest) == content
    assert not list((tmp_path / "files").rglob(".part-*"))


def test_a_changed_or_missing_file_reads_as_missing(tmp_path: Path) -> None:
    store = FileStore(tmp_path)
    digest = store.put(b"original")
    store.path(digest).write_bytes(b"tampered")
    assert store.read(digest) is None
    assert store.read("0" * 64) is None
    assert store.read("../../etc/passwd") is None
    with pytest.raises(ValueError, match="sha256"):
        store.path("../x")


def test_copy_to_copies_only_what_is_missing(tmp_path: Path) -> None:
    source, target = FileStore(tmp_path / "a"), FileStore(tmp_path / "b")
    first, second = source.put(b"one"), source.put(b"two")
    target.put(b"one")
    assert source.copy_to(target) == 1
    assert target.digests() == sorted([first, second])
    assert source.copy_to(target) == 0
    assert FileStore(tmp_path / "none").digests() == []

"""Files and photos handed in through forms: checked, kept on disk, read back.

A form's file field stores references, never bytes: ``{"sha256", "name", "type", "size",
"photo"}``. The bytes live in the school's file store (``[attachments] dir``), named by
their sha256, so the same 教案 sent twice is kept once. A file's type is read from its
content (its magic numbers, by the ``filetype`` library): a ``.docx`` that is really an
executable is refused whatever it is called.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import filetype

from handlers import texts
from handlers.forms.spec import FieldKind, FormSpec
from handlers.forms.validators import InvalidInput
from handlers.settings import Settings
from handlers.types import Attachment, IncomingFile
from storage.files import FileStore

FileRef = dict[str, Any]
# Office files the library reports by their container: the name's extension decides
# between the members of one family (a .doc and an .xls are both OLE files).
_FAMILIES = {"doc": {"doc", "xls", "ppt"}, "xls": {"doc", "xls", "ppt"},
             "ppt": {"doc", "xls", "ppt"}, "zip": {"docx", "xlsx", "pptx"}}
PHOTO_TYPES = {"jpg", "png", "gif", "webp", "heic"}


def store_of(settings: Settings) -> FileStore:
    """The school's file store."""
    return FileStore(settings.attachments.dir)


def _extension(name: str) -> str:
    _, dot, extension = name.rpartition(".")
    return extension.lower() if dot else ""


def detect(content: bytes, name: str) -> str | None:
    """The file's type read from its content (an extension such as ``docx``), or None.

    Office formats of one container (OLE for doc/xls/ppt, a ZIP for docx/xlsx/pptx) are
    told apart by the library where it can, else by the name's extension.
    """
    kind = filetype.guess(content)
    if kind is None:
        return None
    found = "jpg" if kind.extension == "jpeg" else kind.extension
    family = _FAMILIES.get(found)
    named = _extension(name)
    if family is not None and named in family:
        return named
    return found


def size_text(size: int) -> str:
    """A size as people read it: 820 KB, 3.4 MB."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def accept(settings: Settings, file: IncomingFile) -> FileRef:
    """Check a received file and keep it; its reference for the form's answers.

    Raises:
        InvalidInput: Too large, or of a type the school does not take (said in Chinese).
    """
    spec = settings.attachments
    if file.content is None or file.size > spec.max_bytes or len(file.content) > spec.max_bytes:
        raise InvalidInput(texts.FILE_TOO_LARGE.format(
            size=size_text(max(file.size, len(file.content or b""))),
            limit=size_text(spec.max_bytes)))
    if not file.content:
        raise InvalidInput(texts.FILE_EMPTY)
    kind = detect(file.content, file.name)
    if kind is None or kind not in spec.types:
        raise InvalidInput(texts.FILE_TYPE_REFUSED.format(types="、".join(spec.types)))
    digest = store_of(settings).put(file.content)
    name = file.name.strip() or texts.FILE_PHOTO_NAME.format(code=digest[:8], type=kind)
    if _extension(name) != kind and not (kind == "jpg" and _extension(name) == "jpeg"):
        name = f"{name}.{kind}"
    return {"sha256": digest, "name": name[-80:], "type": kind, "size": len(file.content),
            "photo": kind in PHOTO_TYPES}


def refs(value: Any) -> list[FileRef]:
    """The file references in a file field's stored value (empty for anything else)."""
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict) and "sha256" in item]


def files_of(spec: FormSpec | None, answers: Mapping[str, Any]) -> list[tuple[str, FileRef]]:
    """Every file of a record, with the label of its field, in the form's order."""
    if spec is None:
        return []
    return [(field.label, ref) for field in spec.fields if field.kind is FieldKind.FILE
            for ref in refs(answers.get(field.key))]


def names(items: Iterable[FileRef]) -> str:
    """Files as a line: 教案.docx（120 KB）、照片.jpg（2.1 MB）."""
    return "、".join(f"{ref.get('name', '')}（{size_text(int(ref.get('size', 0)))}）"
                    for ref in items)


def read(settings: Settings, ref: FileRef) -> bytes | None:
    """A stored file's bytes (None when it is missing from the store)."""
    return store_of(settings).read(str(ref.get("sha256", "")))


def attachment(settings: Settings, ref: FileRef) -> Attachment | None:
    """A stored file to send back to someone (a photo as a photo)."""
    content = read(settings, ref)
    if content is None:
        return None
    return Attachment(str(ref.get("name") or "file"), content, is_photo=bool(ref.get("photo")))

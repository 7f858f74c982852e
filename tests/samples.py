"""Small real files for the attachment tests: a Word 教案, a photo, a program in disguise."""

from __future__ import annotations

import io
import struct
import zlib

from docx import Document


def docx_bytes(text: str) -> bytes:
    """A real .docx (Word) document with ``text`` in it."""
    document = Document()
    document.add_heading("教案", level=1)
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def png_bytes(shade: int = 200) -> bytes:
    """A real 2×2 grey PNG (what a phone's photo is, only smaller)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + bytes([shade, shade, shade]) * 2 for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def exe_bytes() -> bytes:
    """A Windows program (its MZ/PE header), whatever name it is sent under."""
    return b"MZ" + b"\x90\x00" * 30 + b"\x00" * 4 + b"PE\x00\x00" + b"\x00" * 200

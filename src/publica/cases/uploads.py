"""What residents may upload: checked by the bytes a file holds, never by its name.

No database access. A file named `photo.jpg` that is really a program is refused, and so is
a real picture that is also something else: a page a browser would run (a polyglot with a
script), an archive (its directory at the end of the file), or a picture whose stated size
would take gigabytes to open (a decompression bomb). Pictures are never decoded here: their
headers are read, which is enough to know their size and where they end.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from typing import IO, Any

import filetype
from django.utils.translation import gettext as _

from publica.core.errors import FieldError, InvalidInput

__all__ = ["ALLOWED", "MAX_PIXELS", "MAX_SIDE", "Checked", "check"]

#: Types a council can open safely: documents and photos.
ALLOWED = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/heic": "heic",
}
#: A picture wider or taller than this is refused; a 200-megapixel phone photo is 16,320 wide.
MAX_SIDE = 30_000
#: A little over a 200-megapixel phone's photo; decoded, that is already 600 MB of pixels.
MAX_PIXELS = 210_000_000
_HEAD = 8192
_CHUNK = 1024 * 1024
#: What makes a browser run a file, wherever it sits in it.
_SCRIPT = re.compile(rb"<script|javascript:", re.IGNORECASE)
#: What makes a PDF reader run something: scripts, launched programs, files carried inside.
_PDF_ACTIVE = re.compile(rb"/(?:JavaScript|Launch|EmbeddedFiles?)\b")
#: What makes a browser sniff a file as a page or SVG: looked for where browsers look.
_MARKUP = re.compile(
    rb"<(?:html|svg|body|iframe|object|embed|head|img|!doctype)[\s>/]", re.IGNORECASE
)
_SNIFFED = 1445  # bytes the WHATWG MIME sniffing standard reads
#: A zip's end-of-central-directory record; zip readers look for it in the last 64 KiB.
_ZIP_END = b"PK\x05\x06"
_ZIP_TAIL = 65_535 + 22
_EXECUTABLE_TYPES = {
    "application/x-msdownload",
    "application/x-executable",
    "application/x-mach-binary",
    "application/x-shellscript",
    "application/x-sharedlib",
    "application/vnd.microsoft.portable-executable",
}
_MACH_O = (b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf")


@dataclass(frozen=True)
class Checked:
    content_type: str
    extension: str


class _Refused(Exception):
    """Why the file cannot be accepted, in words a resident can act on."""


def check(stream: IO[Any], *, size: int, max_bytes: int, field: str = "files") -> Checked:
    """The file's real type, or InvalidInput saying why it cannot be accepted."""
    if size == 0:
        raise InvalidInput([FieldError(field, _("The file is empty"))])
    if size > max_bytes:
        limit = max_bytes // (1024 * 1024)
        raise InvalidInput(
            [FieldError(field, _("The file must be smaller than %(mb)s MB") % {"mb": limit})]
        )
    position = stream.tell()
    try:
        head = stream.read(_HEAD)
        stream.seek(position)
        mime = _kind(head)
        _STRUCTURE[mime](stream, position, size)
        _no_second_type(stream, position, size)
    except _Refused as refused:
        raise InvalidInput([FieldError(field, str(refused))]) from None
    finally:
        stream.seek(position)
    return Checked(mime, ALLOWED[mime])


def _kind(head: bytes) -> str:
    kind = filetype.guess(head)
    if kind is not None and kind.mime in ALLOWED:
        return kind.mime
    if (kind is not None and kind.mime in _EXECUTABLE_TYPES) or head[:4] in _MACH_O:
        raise _Refused(_("The file must be a PDF, JPG, PNG, WEBP or HEIC, not a program"))
    if head[:2] == b"#!":
        raise _Refused(_("The file must be a PDF, JPG, PNG, WEBP or HEIC, not a script"))
    if re.search(rb"<svg[\s>]", head[:_SNIFFED], re.IGNORECASE):
        raise _Refused(
            _("The file must be a PDF, JPG, PNG, WEBP or HEIC: SVG pictures can carry scripts")
        )
    if kind is not None and kind.mime in {"application/zip", "application/gzip"}:
        raise _Refused(_("The file must be a PDF, JPG, PNG, WEBP or HEIC, not an archive"))
    raise _Refused(_("The file must be a PDF, JPG, PNG, WEBP or HEIC"))


def _no_second_type(stream: IO[Any], start: int, size: int) -> None:
    """Refuse a file that is also a page, a script or an archive (a polyglot)."""
    stream.seek(start)
    if _MARKUP.search(stream.read(_SNIFFED)):
        raise _Refused(_("The file holds a web page as well as a document or photo"))
    stream.seek(start)
    overlap, pdf = b"", stream.read(5) == b"%PDF-"
    stream.seek(start)
    while chunk := stream.read(_CHUNK):
        if _SCRIPT.search(overlap + chunk) or (pdf and _PDF_ACTIVE.search(overlap + chunk)):
            raise _Refused(_("The file holds a script as well as a document or photo"))
        overlap = chunk[-16:]
    stream.seek(start + max(0, size - _ZIP_TAIL))
    if _ZIP_END in stream.read(_ZIP_TAIL):
        raise _Refused(_("The file holds an archive as well as a document or photo"))


def _damaged(kind: str) -> _Refused:
    return _Refused(_("The file is damaged or is not really a %(kind)s") % {"kind": kind})


def _dimensions(width: int, height: int) -> None:
    if width <= 0 or height <= 0:
        raise _Refused(_("The picture has no size; it may be damaged"))
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise _Refused(
            _("The picture is %(w)s by %(h)s pixels, too large to open: send a smaller copy")
            % {"w": width, "h": height}
        )


def _pdf(stream: IO[Any], start: int, size: int) -> None:
    stream.seek(start)
    if stream.read(5) != b"%PDF-":
        raise _damaged("PDF")


def _png(stream: IO[Any], start: int, size: int) -> None:
    """Walk the chunks: IHDR first (its size checked), IEND last, nothing after it."""
    stream.seek(start + 8)
    offset, first = 8, True
    while True:
        header = stream.read(8)
        if len(header) < 8:
            raise _damaged("PNG")
        length, kind = struct.unpack(">I4s", header)
        if length > 2**31 - 1 or offset + 12 + length > size:
            raise _damaged("PNG")
        if first:
            if kind != b"IHDR" or length != 13:
                raise _damaged("PNG")
            width, height = struct.unpack(">II", stream.read(8))
            _dimensions(width, height)
            stream.seek(length - 8 + 4, 1)
            first = False
        else:
            stream.seek(length + 4, 1)
        offset += 12 + length
        if kind == b"IEND":
            break
    if offset != size:
        raise _Refused(_("The file holds something after the picture"))


_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg(stream: IO[Any], start: int, size: int) -> None:
    """Read the segments up to the first frame header, which says the picture's size."""
    stream.seek(start + 2)
    while True:
        marker = stream.read(2)
        while marker[:1] == b"\xff" and marker[1:] == b"\xff":  # fill bytes
            marker = marker[1:] + stream.read(1)
        if len(marker) < 2 or marker[0] != 0xFF:
            raise _damaged("JPG")
        code = marker[1]
        if 0xD0 <= code <= 0xD8 or code == 0x01:
            continue  # markers without a length
        if code in (0xD9, 0xDA):
            raise _damaged("JPG")  # the picture ends or starts before saying its size
        raw = stream.read(2)
        if len(raw) < 2 or struct.unpack(">H", raw)[0] < 2:
            raise _damaged("JPG")
        length = struct.unpack(">H", raw)[0]
        if code in _SOF:
            frame = stream.read(5)
            if len(frame) < 5:
                raise _damaged("JPG")
            height, width = struct.unpack(">xHH", frame)
            _dimensions(width, height)
            return
        stream.seek(length - 2, 1)


def _webp(stream: IO[Any], start: int, size: int) -> None:
    """RIFF says how long the file is; the first chunk says the picture's size."""
    stream.seek(start)
    head = stream.read(30)
    if len(head) < 30 or head[:4] != b"RIFF" or head[8:12] != b"WEBP":
        raise _damaged("WEBP")
    if struct.unpack("<I", head[4:8])[0] + 8 != size:
        raise _Refused(_("The file holds something after the picture"))
    chunk = head[12:16]
    if chunk == b"VP8X":
        width = 1 + int.from_bytes(head[24:27], "little")
        height = 1 + int.from_bytes(head[27:30], "little")
    elif chunk == b"VP8L":
        bits = int.from_bytes(head[21:25], "little")
        width, height = 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    elif chunk == b"VP8 ":
        width = struct.unpack("<H", head[26:28])[0] & 0x3FFF
        height = struct.unpack("<H", head[28:30])[0] & 0x3FFF
    else:
        raise _damaged("WEBP")
    _dimensions(width, height)


_META_LIMIT = 1024 * 1024


def _heic(stream: IO[Any], start: int, size: int) -> None:
    """Walk the top-level boxes to the end of the file; every `ispe` in `meta` says a size."""
    stream.seek(start)
    offset, meta = 0, b""
    while offset < size:
        header = stream.read(8)
        if len(header) < 8:
            raise _damaged("HEIC")
        length, kind = struct.unpack(">I4s", header)
        if length == 1:
            large = stream.read(8)
            if len(large) < 8:
                raise _damaged("HEIC")
            length = struct.unpack(">Q", large)[0]
            body = length - 16
        elif length == 0:
            length = size - offset
            body = length - 8
        else:
            body = length - 8
        if body < 0 or offset + length > size:
            raise _damaged("HEIC")
        if kind == b"meta" and not meta:
            meta = stream.read(min(body, _META_LIMIT))
            stream.seek(body - len(meta), 1)
        else:
            stream.seek(body, 1)
        offset += length
    found = False
    for match in re.finditer(rb"ispe", meta):
        box = meta[match.end() + 4 : match.end() + 12]
        if len(box) == 8:
            _dimensions(*struct.unpack(">II", box))
            found = True
    if not found:
        raise _damaged("HEIC")


_STRUCTURE = {
    "application/pdf": _pdf,
    "image/jpeg": _jpeg,
    "image/png": _png,
    "image/webp": _webp,
    "image/heic": _heic,
}

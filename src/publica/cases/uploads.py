"""What residents may upload: checked by the bytes a file starts with, never by its name.

No database access. A file named `photo.jpg` that is really a program is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Any

import filetype
from django.utils.translation import gettext as _

from publica.core.errors import FieldError, InvalidInput

__all__ = ["ALLOWED", "Checked", "check"]

#: Types a council can open safely: documents and photos.
ALLOWED = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/heic": "heic",
}
_HEAD = 8192


@dataclass(frozen=True)
class Checked:
    content_type: str
    extension: str


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
    head = stream.read(_HEAD)
    stream.seek(position)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED:
        raise InvalidInput([FieldError(field, _("The file must be a PDF, JPG, PNG, WEBP or HEIC"))])
    return Checked(kind.mime, ALLOWED[kind.mime])

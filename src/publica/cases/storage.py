"""Attachments: every file checked by its content before anything is written, then kept
under a random name. Called by the case services inside their transactions."""

from __future__ import annotations

import errno
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File

from publica.accounts.models import User
from publica.cases import uploads
from publica.cases.models import Attachment, Case, InformationRequest
from publica.core import clock
from publica.core.actors import Actor
from publica.core.errors import FieldError, InvalidInput

__all__ = ["check_files", "file_name", "store", "write_file"]


def check_files(files: Sequence[File]) -> list[tuple[File, uploads.Checked]]:
    """Every file checked by content before anything is written; all errors at once."""
    checked, errors = [], []
    for index, upload in enumerate(files):
        try:
            upload.open("rb")
            kind = uploads.check(upload, size=upload.size or 0, max_bytes=settings.MAX_UPLOAD_BYTES)
        except InvalidInput as exc:
            errors += [
                FieldError(f"files.{index}", f"{file_name(upload)}: {error.message}")
                for error in exc.errors
            ]
            continue
        checked.append((upload, kind))
    if errors:
        raise InvalidInput(errors)
    return checked


def file_name(upload: File) -> str:
    return Path(upload.name or "upload").name[:200]


def store(
    case: Case,
    request: InformationRequest | None,
    upload: File,
    kind: uploads.Checked,
    actor: Actor | None,
    *,
    question: str = "",
) -> Attachment:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = Attachment(
        case=case,
        information_request=request,
        question=question,
        name=file_name(upload),
        content_type=kind.content_type,
        size=upload.size or 0,
        sha256=digest.hexdigest(),
        uploaded_by=actor if isinstance(actor, User) else None,
        created_at=clock.now(),
    )
    write_file(attachment, f"upload.{kind.extension}", upload)
    attachment.save()
    return attachment


def write_file(record: Attachment | Any, name: str, upload: File, *, field: str = "files") -> None:
    """Save `upload` as `record.file` under its random name. A full disk is refused in words
    against `field`, and what was half written is removed (Django's storage leaves it)."""
    name = record.file.field.generate_filename(record, name)
    storage = record.file.storage
    try:
        record.file.name = storage.save(name, upload, max_length=record.file.field.max_length)
    except OSError as exc:
        if storage.exists(name):  # the name is random: a file there is our half-written one
            storage.delete(name)
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        message = f"{file_name(upload)}: there is no room to store files just now; try again later"
        raise InvalidInput([FieldError(field, message)]) from None

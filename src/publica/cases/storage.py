"""Attachments: every file checked by its content before anything is written, then kept
under a random name. Called by the case services inside their transactions."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.core.files import File

from publica.accounts.models import User
from publica.cases import uploads
from publica.cases.models import Attachment, Case, InformationRequest
from publica.core import clock
from publica.core.actors import Actor
from publica.core.errors import FieldError, InvalidInput

__all__ = ["check_files", "file_name", "store"]


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
    attachment.file.save(f"upload.{kind.extension}", upload, save=False)
    attachment.save()
    return attachment

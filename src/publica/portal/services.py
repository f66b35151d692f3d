"""Writes the portal owns: residents' drafts and files uploaded to unsent forms."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from publica.accounts.models import User
from publica.cases import storage, uploads
from publica.catalogue.models import Service
from publica.core import clock
from publica.portal.models import Draft, PendingUpload

__all__ = [
    "draft_discard",
    "draft_save",
    "upload_hold",
    "uploads_discard",
    "uploads_expire",
    "uploads_held",
]


def draft_save(*, service: Service, answers: dict[str, Any], actor: User) -> Draft:
    """Keep a signed-in resident's answers so far (their own draft only)."""
    draft, _ = Draft.objects.update_or_create(
        owner=actor, service=service, defaults={"answers": answers, "updated_at": clock.now()}
    )
    return draft


def draft_discard(*, service: Service, actor: User) -> None:
    Draft.objects.filter(owner=actor, service=service).delete()


def drafts_discard_all(*, actor: User) -> int:
    """Every draft `actor` kept (their account is being erased)."""
    return Draft.objects.filter(owner=actor).delete()[0]


def upload_hold(*, upload: UploadedFile, session_key: str, question: str) -> PendingUpload:
    """Check a file by its content and keep it for this browser session's form."""
    kind = uploads.check(
        upload, size=upload.size or 0, max_bytes=settings.MAX_UPLOAD_BYTES, field=question
    )
    held = PendingUpload(
        session_key=session_key,
        name=Path(upload.name or "upload").name[:200],
        content_type=kind.content_type,
        size=upload.size or 0,
        created_at=clock.now(),
    )
    # A full disk is refused against the question, as a bad file is.
    storage.write_file(held, f"{uuid.uuid4().hex}.{kind.extension}", upload, field=question)
    held.save()
    return held


def uploads_held(*, tokens: list[str], session_key: str) -> list[PendingUpload]:
    """This session's held files for these tokens (another session's are never returned)."""
    valid = []
    for token in tokens:
        try:
            valid.append(uuid.UUID(str(token)))
        except ValueError:
            continue
    return list(PendingUpload.objects.filter(token__in=valid, session_key=session_key))


def uploads_discard(*, uploads: list[PendingUpload]) -> None:
    """Forget held files once they became a case's attachments."""
    for held in uploads:
        held.file.delete(save=False)
        held.delete()


def uploads_expire(*, older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Delete files held for forms that were never sent."""
    stale = PendingUpload.objects.filter(created_at__lt=clock.now() - older_than)
    count = 0
    for held in stale:
        held.file.delete(save=False)
        held.delete()
        count += 1
    return count

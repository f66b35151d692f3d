"""Writes the portal owns: residents' drafts."""

from __future__ import annotations

from typing import Any

from publica.accounts.models import User
from publica.catalogue.models import Service
from publica.core import clock
from publica.portal.models import Draft

__all__ = ["draft_discard", "draft_save"]


def draft_save(*, service: Service, answers: dict[str, Any], actor: User) -> Draft:
    """Keep a signed-in resident's answers so far (their own draft only)."""
    draft, _ = Draft.objects.update_or_create(
        owner=actor, service=service, defaults={"answers": answers, "updated_at": clock.now()}
    )
    return draft


def draft_discard(*, service: Service, actor: User) -> None:
    Draft.objects.filter(owner=actor, service=service).delete()

"""Reads of review flags: staff see the flags on the cases they may see (their department's,
or every department's for admins and auditors); residents and applicants see none."""

from __future__ import annotations

from django.db.models import QuerySet

from publica.accounts.models import User
from publica.accounts.roles import Role
from publica.assistant.models import ReviewFlag
from publica.cases.selectors import visible_cases
from publica.core.actors import Actor, ApiClient, SystemActor
from publica.core.errors import NotFound

__all__ = ["review_flag_get", "review_flag_list"]

STAFF_ROLES = frozenset({Role.CASEWORKER, Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR})


def review_flag_list(
    *, actor: Actor | None, state: str = ReviewFlag.State.OPEN
) -> QuerySet[ReviewFlag]:
    """Flags in `state` on cases `actor` may see, the newest first."""
    return _visible(actor).filter(state=state).order_by("-created_at", "-pk")


def review_flag_get(*, flag_id: int, actor: Actor | None) -> ReviewFlag:
    """One flag; NotFound both when it does not exist and when its case is not yours."""
    flag = _visible(actor).filter(pk=flag_id).first()
    if flag is None:
        raise NotFound(f"no review flag {flag_id} that you may see")
    return flag


def _visible(actor: Actor | None) -> QuerySet[ReviewFlag]:
    flags = ReviewFlag.objects.select_related(
        "case", "case__service", "case__service_version", "reviewed_by"
    )
    staff = isinstance(actor, User) and actor.is_active and actor.role in STAFF_ROLES
    if not (staff or isinstance(actor, (SystemActor, ApiClient))):
        return flags.none()
    return flags.filter(case__in=visible_cases(actor=actor).values("pk"))

"""Reads for triage: the active classifier, the cases it learns from, and the triage queue."""

from __future__ import annotations

from django.db.models import QuerySet

from publica.accounts.models import User
from publica.accounts.roles import READ_ALL, Role
from publica.assistant.models import Triage, TriageModel
from publica.cases.models import Case, Channel
from publica.core.actors import Actor, SystemActor

__all__ = ["model_active", "training_cases", "triage_queue"]

#: Past cases a model learns from at most, newest first: enough for any council's mix.
TRAINING_LIMIT = 20_000


def model_active() -> TriageModel | None:
    """The model that suggests services, without its pipeline's bytes (read once, apart)."""
    active = TriageModel.objects.filter(active=True).defer("pipeline")
    return active.order_by("-trained_at", "-pk").first()


def training_cases(*, limit: int = TRAINING_LIMIT) -> QuerySet[Case]:
    """Cases residents or staff filed, under the service they ended up in; not those still
    waiting for a person to confirm their service, nor those sensors opened."""
    return (
        Case.objects.filter(service__is_active=True)
        .exclude(channel=Channel.SENSOR)
        .exclude(triage__state=Triage.State.PENDING)
        .order_by("-submitted_at")[:limit]
    )


def triage_queue(*, actor: Actor) -> QuerySet[Triage]:
    """Suggestions waiting for a person, oldest first; staff see their department's."""
    pending = Triage.objects.filter(state=Triage.State.PENDING, case__closed_at__isnull=True)
    pending = pending.select_related("case", "case__service", "case__department", "model")
    if isinstance(actor, SystemActor):
        return pending.order_by("created_at", "pk")
    if not isinstance(actor, User) or not actor.is_active:
        return pending.none()
    if actor.role in READ_ALL:
        return pending.order_by("created_at", "pk")
    if actor.role in (Role.CASEWORKER, Role.SUPERVISOR) and actor.department_id is not None:
        return pending.filter(case__department_id=actor.department_id).order_by("created_at", "pk")
    return pending.none()

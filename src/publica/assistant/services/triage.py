"""Triage: train the report classifier from past cases, suggest services for free text, and
route a case by itself only when the model is sure and the target service lets automation
act; every other case waits in the triage queue for a person."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction

from publica.accounts.models import User
from publica.accounts.roles import AUTOMATION, Role
from publica.assistant import triage as classifier
from publica.assistant.models import Triage, TriageModel
from publica.assistant.selectors.triage import model_active, training_cases
from publica.cases import permissions
from publica.cases.models import Case, Channel
from publica.cases.services import case_recategorise
from publica.catalogue.models import Service, ServiceVersion
from publica.core import clock
from publica.core.actors import Actor, SystemActor
from publica.core.errors import FieldError, InvalidInput, PermissionDenied
from publica.sensors.models import SensorRule

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

__all__ = [
    "GENERAL",
    "Suggestion",
    "routing_allowed",
    "triage_case",
    "triage_confirm",
    "triage_move",
    "triage_suggest",
    "triage_suggest_for_case",
    "triage_train",
    "triage_train_if_due",
]

#: Who moves a case when the classifier routes it by itself.
TRIAGE = SystemActor("triage")
#: The catch-all report service (assistant/general.yaml): its cases wait to be moved, so
#: it is never suggested and never learnt from.
GENERAL = "general"
TRAINERS = frozenset({Role.ADMIN, Role.SUPERVISOR})
_PIPELINES: dict[tuple[int, object], Pipeline] = {}


@dataclass(frozen=True)
class Suggestion:
    slug: str
    title: str
    summary: str
    confidence: float


def triage_train(*, actor: Actor) -> TriageModel:
    """Learn from every past case and the catalogue's texts; the new model becomes the active
    one, with its accuracy and macro-F1 on a held-back share of the cases."""
    if not isinstance(actor, SystemActor) and not (
        isinstance(actor, User) and actor.is_active and actor.role in TRAINERS
    ):
        raise PermissionDenied("only an administrator or a supervisor may train the classifier")
    services = _trainable_services()
    forms: dict[int, dict[str, Any]] = {}
    texts, labels = [], []
    for slug, version_id, data in training_cases().values_list(
        "service__slug", "service_version_id", "data"
    ):
        if slug not in services:
            continue
        if version_id not in forms:  # many cases share a few versions: read each form once
            forms[version_id] = ServiceVersion.objects.get(pk=version_id).definition["form"]
        text = classifier.case_text(forms[version_id], data)
        if text:
            texts.append(text)
            labels.append(slug)
    catalogue: list[tuple[str, str]] = []
    for slug, service in services.items():
        definition = service.current_version.definition  # type: ignore[union-attr]
        catalogue += [(text, slug) for text in classifier.catalogue_texts(definition)]
    try:
        fitted = classifier.fit(texts, labels, catalogue=catalogue)
    except ValueError as exc:
        raise InvalidInput([FieldError("services", str(exc))]) from None
    with transaction.atomic():
        TriageModel.objects.filter(active=True).update(active=False)
        model = TriageModel.objects.create(
            trained_at=clock.now(),
            samples=fitted.samples,
            held_out=fitted.scores.held_out,
            services=fitted.services,
            accuracy=fitted.scores.accuracy,
            macro_f1=fitted.scores.macro_f1,
            report=fitted.scores.report,
            pipeline=classifier.dumps(fitted.pipeline),
            active=True,
        )
    _PIPELINES.clear()
    _PIPELINES[(model.pk, model.trained_at)] = fitted.pipeline
    return model


def triage_train_if_due(*, actor: Actor = TRIAGE) -> TriageModel | None:
    """Retrain when the active model is older than PUBLICA_TRIAGE_RETRAIN_DAYS, or when
    PUBLICA_TRIAGE_RETRAIN_CASES cases have been filed since it was trained."""
    active = model_active()
    if active is not None:
        age = clock.now() - active.trained_at
        newer = Case.objects.filter(submitted_at__gt=active.trained_at).count()
        if (
            age.days < settings.PUBLICA_TRIAGE_RETRAIN_DAYS
            and newer < settings.PUBLICA_TRIAGE_RETRAIN_CASES
        ):
            return None
    return triage_train(actor=actor)


def triage_suggest(*, text: str, top: int = 3) -> list[Suggestion]:
    """The services `text` most likely belongs to, best first; empty without a model."""
    if not (text or "").strip():
        return []
    model = model_active()
    if model is None:
        return []
    ranked = classifier.rank(_pipeline(model), text, top=top)
    services = {s.slug: s for s in Service.objects.filter(slug__in=[slug for slug, _ in ranked])}
    return [
        Suggestion(slug, services[slug].title, services[slug].summary, confidence)
        for slug, confidence in ranked
        if slug in services and services[slug].is_active
    ]


def triage_suggest_for_case(*, case: Case, top: int = 3) -> list[Suggestion]:
    """Where else a case may belong, from its own words: for staff moving it. The case's
    own service is left out; empty without a model or without free text."""
    text = classifier.case_text(case.service_version.definition["form"], case.data)
    return [s for s in triage_suggest(text=text, top=top + 1) if s.slug != case.service.slug][:top]


def triage_case(*, case: Case, actor: Actor) -> Triage:
    """Classify a case's text and record the suggestion. Move the case by itself only when
    the model is at least PUBLICA_TRIAGE_AUTO_ROUTE_CONFIDENCE sure and the suggested
    service lets automation act (`routing_allowed`); otherwise it waits in the queue."""
    permissions.acting_role(actor, case, (*permissions.CASE_STAFF, AUTOMATION))
    text = classifier.case_text(case.service_version.definition["form"], case.data)
    model = model_active()
    suggestions = triage_suggest(text=text)
    best = suggestions[0] if suggestions else Suggestion(case.service.slug, "", "", 0.0)
    target = Service.objects.filter(slug=best.slug).first()
    confident = (
        target is not None
        and best.confidence >= settings.PUBLICA_TRIAGE_AUTO_ROUTE_CONFIDENCE
        and routing_allowed(target)
    )
    with transaction.atomic():
        if confident and target is not None and target.pk != case.service_id:
            reason = f"Suggested by the triage model with confidence {best.confidence:.2f}"
            case = case_recategorise(case=case, service=target, actor=TRIAGE, reason=reason)
        triage, _ = Triage.objects.update_or_create(
            case=case,
            defaults={
                "model": model,
                "suggested_service_slug": best.slug,
                "confidence": best.confidence,
                "alternatives": [[s.slug, s.confidence] for s in suggestions[1:]],
                "state": Triage.State.ROUTED if confident else Triage.State.PENDING,
                "created_at": clock.now(),
                "decided_at": None,
                "decided_by": None,
            },
        )
    return triage


def triage_confirm(*, triage: Triage, actor: Actor) -> Triage:
    """Staff agree with the suggestion: the case moves to the suggested service if needed."""
    service = Service.objects.filter(slug=triage.suggested_service_slug).first()
    if service is None:
        raise InvalidInput([FieldError("service", "the suggested service no longer exists")])
    return _decide(triage, service, actor, Triage.State.CONFIRMED)


def triage_move(*, triage: Triage, service: Service, actor: Actor) -> Triage:
    """Staff choose another service than the suggestion (or keep the case where it is)."""
    return _decide(triage, service, actor, Triage.State.CHANGED)


def routing_allowed(service: Service) -> bool:
    """Whether the classifier may move cases into `service` by itself: a report service
    whose workflow already lets automation take a step. Applications are never routed:
    they need the applicant's own answers."""
    version = service.current_version
    if not service.is_active or version is None or service.kind != Service.Kind.REPORT:
        return False
    return any(AUTOMATION in step.roles for step in version.workflow.steps.values())


def _decide(triage: Triage, service: Service, actor: Actor, state: str) -> Triage:
    with transaction.atomic():
        triage = Triage.objects.select_for_update().select_related("case").get(pk=triage.pk)
        if triage.state != Triage.State.PENDING:
            raise InvalidInput([FieldError("triage", "someone has already decided this case")])
        case = triage.case
        permissions.require_staff(actor, case)
        if service.pk != case.service_id:
            reason = (
                "Confirmed from the triage queue"
                if state == Triage.State.CONFIRMED
                else ("Moved from the triage queue")
            )
            case_recategorise(case=case, service=service, actor=actor, reason=reason)
        triage.state, triage.decided_at = state, clock.now()
        triage.decided_by = actor if isinstance(actor, User) else None
        triage.save(update_fields=["state", "decided_at", "decided_by"])
    return triage


def _trainable_services() -> dict[str, Service]:
    """Active services residents use: not the catch-all, and not those only sensors open
    cases in (named by a sensor rule, or with sensor cases alone)."""
    channels: dict[int, set[str]] = defaultdict(set)
    for service_id, channel in Case.objects.values_list("service_id", "channel").distinct():
        channels[service_id].add(channel)
    by_sensors = set(SensorRule.objects.values_list("service_slug", flat=True))
    services = Service.objects.filter(is_active=True, current_version__isnull=False)
    trainable = {}
    for service in services.exclude(slug=GENERAL).select_related("current_version"):
        used = channels.get(service.pk, set())
        if used - {Channel.SENSOR} or (not used and service.slug not in by_sensors):
            trainable[service.slug] = service
    return trainable


def _pipeline(model: TriageModel) -> Pipeline:
    """The model's fitted pipeline, read from the database once per process."""
    key = (model.pk, model.trained_at)
    if key not in _PIPELINES:
        stored = TriageModel.objects.values_list("pipeline", flat=True).get(pk=model.pk)
        _PIPELINES.clear()  # keep only the active model's pipeline in memory
        _PIPELINES[key] = classifier.loads(stored)
    return _PIPELINES[key]

"""Reads for help answers: the services residents may be offered, and the questions the
assistant could not answer (for staff improving the catalogue)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from publica.accounts.roles import APPLICANT
from publica.accounts.selectors import organisation_get
from publica.assistant.answers import Contact
from publica.assistant.models import Question
from publica.catalogue.models import Service, ServiceVersion

__all__ = [
    "help_catalogue",
    "help_catalogue_key",
    "help_contact",
    "question_unanswered_list",
    "resident_facing",
]


CatalogueKey = tuple[tuple[str, int, str], ...]


def help_catalogue_key() -> CatalogueKey:
    """Which version of each active service is current: a new key whenever a service loads,
    so whatever was built from the catalogue is rebuilt then and only then."""
    rows = (
        Service.objects.filter(is_active=True, current_version__isnull=False)
        .order_by("slug")
        .values_list("slug", "current_version_id", "current_version__checksum")
    )
    return tuple((slug, int(version), str(checksum)) for slug, version, checksum in rows)


def help_catalogue(key: CatalogueKey) -> list[tuple[Service, dict[str, Any]]]:
    """The services of catalogue `key` that residents may be offered, with their definitions."""
    versions = ServiceVersion.objects.filter(pk__in=[pk for _, pk, _ in key])
    definitions = {version.pk: version.definition for version in versions}
    services = Service.objects.filter(current_version_id__in=definitions).order_by("slug")
    return [
        (service, definitions[service.current_version_id])  # type: ignore[index]
        for service in services
        if resident_facing(definitions[service.current_version_id])  # type: ignore[index]
    ]


def resident_facing(definition: dict[str, Any]) -> bool:
    """A service residents can use: its workflow gives the applicant a part (a way to
    withdraw, an answer to give). One whose workflow never names the applicant, such as
    `sensor-maintenance`, is opened by Publica or staff only and is never offered."""
    transitions = (definition.get("workflow") or {}).get("transitions") or []
    return any(APPLICANT in (step.get("roles") or []) for step in transitions)


def help_contact() -> Contact:
    """How to reach a person, from the organisation's record."""
    organisation = organisation_get()
    if organisation is None:
        return Contact()
    return Contact(
        name=organisation.name,
        phone=organisation.contact_phone,
        email=organisation.contact_email,
    )


def question_unanswered_list(*, include_reviewed: bool = False) -> QuerySet[Question]:
    """Questions the assistant could not answer, newest first; staff work down the list."""
    questions = Question.objects.filter(answered=False)
    if not include_reviewed:
        questions = questions.filter(reviewed=False)
    return questions.order_by("-asked_at", "-pk")

"""Reads for Open311: report services, their requests (cases), and the public updates on them.

Only services of kind `report` exist here: applications (permits, benefits) are private
matters between a resident and the council and never leave through Open311.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from publica.cases.models import Case, CaseEvent
from publica.cases.selectors import visible_cases
from publica.catalogue.models import Service, ServiceVersion
from publica.catalogue.selectors import service_get, service_list
from publica.core.actors import Actor, SystemActor
from publica.core.errors import NotFound
from publica.open311.params import Page, Window

__all__ = [
    "READER",
    "UPDATE_KINDS",
    "Update",
    "report_service",
    "report_services",
    "request_get",
    "request_list",
    "request_list_by_id",
    "services_changed_at",
    "update_list",
]

#: Who reads requests for the public GET endpoints, which need no key.
READER = SystemActor("open311")
#: The public events a FixMyStreet-style client receives as updates. Answers the applicant
#: sent (`info_provided`) are left out: they are the resident's own words and documents.
UPDATE_KINDS = (
    CaseEvent.Kind.TRANSITIONED,
    CaseEvent.Kind.NOTE_ADDED,
    CaseEvent.Kind.INFO_REQUESTED,
)


@dataclass(frozen=True)
class Update:
    """A public event on a request, and the state the request was in once it happened."""

    event: CaseEvent
    state: str


def report_services() -> QuerySet[Service]:
    return service_list().filter(kind=Service.Kind.REPORT)


def report_service(*, code: str) -> Service:
    try:
        service = service_get(slug=code)
    except NotFound:
        service = None
    if service is None or service.kind != Service.Kind.REPORT:
        raise NotFound(f"no service with service_code {code!r}")
    return service


def services_changed_at() -> dt.datetime | None:
    """When the newest version of a report service was loaded: discovery's changeset."""
    versions = ServiceVersion.objects.filter(
        pk__in=report_services().values("current_version")
    ).order_by("-created_at")
    return versions.values_list("created_at", flat=True).first()


def request_list(
    *,
    service_codes: list[str],
    window: Window,
    statuses: set[str],
    page: Page,
    actor: Actor = READER,
) -> list[Case]:
    """Requests submitted in `window`, of the given services and statuses; newest first."""
    cases = _requests(actor).filter(submitted_at__gte=window.start, submitted_at__lte=window.end)
    if service_codes:
        cases = cases.filter(service__slug__in=service_codes)
    if statuses == {"open"}:
        cases = cases.filter(closed_at__isnull=True)
    elif statuses == {"closed"}:
        cases = cases.filter(closed_at__isnull=False)
    return list(cases.order_by("-submitted_at", "-pk")[page.offset : page.offset + page.size])


def request_list_by_id(*, ids: list[str], actor: Actor = READER) -> list[Case]:
    """The requests with these ids (GeoReport v2 then ignores every other parameter)."""
    cases = _requests(actor).filter(reference__in=[each.strip().upper() for each in ids])
    return list(cases.order_by("-submitted_at", "-pk"))


def request_get(*, reference: str, actor: Actor = READER) -> Case:
    case = _requests(actor).filter(reference=reference.strip().upper()).first()
    if case is None:
        raise NotFound(f"no service request {reference!r}")
    return case


def update_list(*, actor: Actor, window: Window, page: Page) -> list[Update]:
    """Public updates on the requests `actor` may see, oldest first, each with its state."""
    events = list(
        CaseEvent.objects.filter(
            case__in=visible_cases(actor=actor).filter(service__kind=Service.Kind.REPORT),
            public=True,
            kind__in=UPDATE_KINDS,
            created_at__gte=window.start,
            created_at__lte=window.end,
        )
        .select_related("case")
        .prefetch_related("case__service_version")
        .order_by("created_at", "pk")[page.offset : page.offset + page.size]
    )
    moves: dict[int, list[tuple[tuple[dt.datetime, int], str]]] = defaultdict(list)
    transitions = CaseEvent.objects.filter(
        case_id__in={event.case_id for event in events},
        kind=CaseEvent.Kind.TRANSITIONED,
        created_at__lte=window.end,
    ).order_by("created_at", "pk")
    for case_id, created_at, pk, data in transitions.values_list(
        "case_id", "created_at", "pk", "data"
    ):
        moves[case_id].append(((created_at, pk), str(data.get("to", ""))))
    return [Update(event, _state_at(event, moves[event.case_id])) for event in events]


def _state_at(event: CaseEvent, moves: list[tuple[tuple[dt.datetime, int], str]]) -> str:
    """The target of the last transition up to and including `event`, else the initial state."""
    keys = [key for key, _ in moves]
    index = bisect.bisect_right(keys, (event.created_at, event.pk))
    if index:
        return moves[index - 1][1]
    return event.case.service_version.workflow.initial


def _requests(actor: Actor) -> QuerySet[Case]:
    transitions = CaseEvent.objects.filter(kind=CaseEvent.Kind.TRANSITIONED).order_by(
        "created_at", "pk"
    )
    cases = visible_cases(actor=actor).filter(service__kind=Service.Kind.REPORT)
    if actor == READER:  # the public: leave out services that keep their reports private
        flag = "service__current_version__definition__public_requests"
        # Written as a filter: a key that is missing reads as NULL, which `exclude` drops too.
        cases = cases.filter(Q(**{f"{flag}__isnull": True}) | Q(**{flag: True}))
    return (
        cases
        # Many cases share a few versions: fetch each version's definition once.
        .prefetch_related(
            "service_version", Prefetch("events", queryset=transitions, to_attr="transitions")
        )
    )

"""Finding open reports of the same problem, for residents (before they send one), for
Open311 submissions and for staff (before they merge). Following and merging are writes on
cases, so they live in `publica.cases.services` (`case_follow`, `case_merge`).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet

from publica.accounts.models import User
from publica.accounts.roles import CASE_ROLES, READ_ALL
from publica.assistant import duplicates
from publica.cases.models import Case, CaseEvent
from publica.cases.selectors import visible_cases
from publica.cases.services import case_add_note
from publica.catalogue.models import Service
from publica.catalogue.selectors import service_list
from publica.core.actors import Actor, SystemActor

__all__ = ["FINDER", "Candidate", "duplicates_find", "duplicates_for_case", "duplicates_note"]

logger = logging.getLogger(__name__)
#: Who writes the note on a report that may be a duplicate.
FINDER = SystemActor("assistant:duplicates")

#: At most this many open reports are compared when a report has only an address.
ADDRESS_ONLY_POOL = 300
#: At most this many cases (open or not) are read from around one point.
BOX_POOL = 5_000
#: At most this many open reports, the latest, are compared with a new one.
CANDIDATES = 200
SHORT_DESCRIPTION = 160
METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class Candidate:
    """An open report that may be the same problem, with only what the public may see."""

    reference: str
    service_slug: str
    service_title: str
    status: str
    description: str
    address: str
    submitted_at: dt.datetime
    distance_m: int | None
    similarity: float | None
    score: float


def duplicates_find(
    *,
    service: Service,
    latitude: float | None,
    longitude: float | None,
    text: str,
    address: str = "",
    actor: Actor | None = None,
    exclude: str = "",
    limit: int = 5,
) -> list[Candidate]:
    """Open reports of `service` or a related one near the place, best first.

    With no staff `actor` (a resident, an Open311 client) only what the public may see is
    searched: report services that keep their requests public. Staff search the cases they
    may see, public or not, and so does Publica itself (a `SystemActor`). `exclude` leaves
    out one reference (the case itself).
    """
    version = service.current_version
    if version is None:
        return []
    rules = duplicates.rules_for(version.definition)
    if not rules.enabled:
        return []
    definitions = _report_definitions()
    slugs = duplicates.related_services(service.slug, definitions) | {service.slug}
    staff = isinstance(actor, SystemActor) or (
        isinstance(actor, User) and actor.role in CASE_ROLES | READ_ALL
    )
    if not staff:
        slugs = {s for s in slugs if definitions.get(s, {}).get("public_requests") is not False}
    if not slugs:
        return []
    query = duplicates.Report(
        key=exclude or "",
        service=service.slug,
        latitude=latitude,
        longitude=longitude,
        address=address or "",
        text=text or "",
    )
    pool = _pool(query, slugs, rules.radius_m, actor if staff else None, exclude)
    cases = {case.reference: case for case in pool}
    found = duplicates.find(
        query,
        [_report(case) for case in cases.values()],
        radius_m=rules.radius_m,
        services=slugs,
        limit=limit,
    )
    return [_candidate(cases[match.key], match) for match in found]


def duplicates_for_case(*, case: Case, actor: Actor, limit: int = 10) -> list[Candidate]:
    """The likely duplicates of an existing case that `actor` may see: what staff merge."""
    return duplicates_find(
        service=case.service,
        latitude=case.latitude,
        longitude=case.longitude,
        text=_text(case),
        address=case.address,
        actor=actor,
        exclude=case.reference,
        limit=limit,
    )


def _report_definitions() -> dict[str, dict[str, object]]:
    return {
        service.slug: dict(service.current_version.definition)  # type: ignore[union-attr]
        for service in service_list().filter(kind=Service.Kind.REPORT)
    }


def _pool(
    query: duplicates.Report, slugs: set[str], radius_m: float, actor: Actor | None, exclude: str
) -> QuerySet[Case]:
    """Open, unmerged reports of these services that could be near: a bounding box around
    the point (and the latest few hundred with an address only), or, with no point, those.

    Each part is found through its own index first (`cases_by_place`,
    `open_cases_without_place`), then narrowed: left to combine them, a query planner
    without statistics walks every case of the service, which at a million cases costs
    each submission a second.
    """
    cases = visible_cases(actor=actor) if actor is not None else Case.objects.all()
    cases = (
        cases.filter(service__slug__in=slugs, closed_at__isnull=True, duplicate_of__isnull=True)
        .exclude(reference=exclude)
        .select_related("service")  # versions only for the few matches
        .order_by("-submitted_at", "-pk")
    )
    ids: list[int] = []
    if query.has_point:
        lat, lon = float(query.latitude), float(query.longitude)  # type: ignore[arg-type]
        dlat = radius_m / METRES_PER_DEGREE
        dlon = radius_m / (METRES_PER_DEGREE * max(0.01, math.cos(math.radians(lat))))
        box = Case.objects.filter(
            latitude__range=(lat - dlat, lat + dlat), longitude__range=(lon - dlon, lon + dlon)
        )
        ids += box.values_list("pk", flat=True)[:BOX_POOL]
    if query.address.strip():
        without_place = Case.objects.filter(latitude__isnull=True, closed_at__isnull=True)
        recent = without_place.exclude(address="").order_by("-submitted_at")
        ids += recent.values_list("pk", flat=True)[:ADDRESS_ONLY_POOL]
    # A hot spot (a flood, a festival, a load test) can hold thousands of open reports;
    # the latest few hundred are enough to find the one a resident means.
    return cases.filter(pk__in=ids)[:CANDIDATES] if ids else cases.none()


def _report(case: Case) -> duplicates.Report:
    return duplicates.Report(
        key=case.reference,
        service=case.service.slug,
        latitude=case.latitude,
        longitude=case.longitude,
        address=case.address,
        text=_text(case),
    )


def _text(case: Case) -> str:
    return str(case.data.get("description") or "")


def _candidate(case: Case, match: duplicates.Match) -> Candidate:
    definition = case.service_version.definition
    state = definition["workflow"]["states"].get(case.state, {})
    description = _text(case)
    if len(description) > SHORT_DESCRIPTION:
        description = description[: SHORT_DESCRIPTION - 1].rstrip() + "…"
    return Candidate(
        reference=case.reference,
        service_slug=case.service.slug,
        service_title=case.service.title,
        status=str(state.get("public_label") or state.get("label") or case.state),
        description=description,
        address=case.address,
        submitted_at=case.submitted_at,
        distance_m=round(match.distance_m) if match.distance_m is not None else None,
        similarity=match.similarity,
        score=match.score,
    )


def duplicates_note(*, case: Case, actor: SystemActor = FINDER) -> CaseEvent | None:
    """Tell staff, in an internal note on a report just sent, which open reports it may
    duplicate; None when there are none. Never fails the submission it follows: a problem
    is logged (without the report's words) and the report stays as it was sent."""
    try:
        with transaction.atomic():  # a savepoint: a failure here leaves the submission whole
            found = duplicates_for_case(case=case, actor=actor, limit=3)
            if not found:
                return None
            lines = [
                f"{each.reference} ({each.service_title}, "
                + (f"{each.distance_m} m away" if each.distance_m is not None else "same address")
                + f", score {each.score:.2f})"
                for each in found
            ]
            text = "Possibly already reported: " + "; ".join(lines) + ". Merge it if so."
            return case_add_note(case=case, text=text, actor=actor, public=False)
    except Exception:
        logger.exception("looking for duplicates of case %s failed", case.pk)
        return None

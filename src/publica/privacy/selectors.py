"""Reads: each service's retention policy, the cases due for anonymising, and what an erasure
request would do to each of a resident's cases."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet

from publica.accounts.models import User
from publica.cases.models import Case
from publica.catalogue.models import Service
from publica.core import clock
from publica.privacy.models import ErasureRequest
from publica.privacy.retention import Policy, Verdict, erasure_verdict


def default_policy() -> Policy:
    """The organisation's records schedule, for services whose file states none."""
    return Policy(
        years=settings.PUBLICA_RETENTION_YEARS,
        reason=settings.PUBLICA_RETENTION_REASON,
    )


def retention_policy(service: Service) -> Policy:
    """The policy in the service's current version (a changed schedule applies to old cases)."""
    version = service.current_version
    definition = version.definition if version is not None else {}
    return Policy.from_definition(definition, default=default_policy())


def cases_due_for_retention(*, service: Service, now: dt.datetime) -> QuerySet[Case]:
    """The service's closed cases past their retention period that still hold personal data,
    oldest first."""
    cutoff = retention_policy(service).closed_before(now)
    return Case.objects.filter(
        service=service, closed_at__lte=cutoff, anonymised_at__isnull=True
    ).order_by("closed_at", "pk")


@dataclass(frozen=True)
class CaseVerdict:
    case: Case
    verdict: Verdict


def erasure_preview(*, person: User, now: dt.datetime | None = None) -> list[CaseVerdict]:
    """What erasing `person`'s data would do to each case they made, newest first."""
    moment = now or clock.now()
    policies: dict[int, Policy] = {}
    found = []
    cases = Case.objects.filter(applicant=person).select_related("service__current_version")
    for case in cases.order_by("-submitted_at", "-pk"):
        if case.service_id not in policies:
            policies[case.service_id] = retention_policy(case.service)
        verdict = erasure_verdict(
            policies[case.service_id],
            closed_at=case.closed_at,
            anonymised=case.anonymised_at is not None,
            now=moment,
        )
        found.append(CaseVerdict(case, verdict))
    return found


def erasure_requests(*, person: User) -> QuerySet[ErasureRequest]:
    return ErasureRequest.objects.filter(user=person)

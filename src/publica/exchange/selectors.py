"""Reads of the exchange: consents in force, a resident's access records, the auditor's list."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from publica.accounts.models import Identity, User
from publica.accounts.roles import Role
from publica.catalogue.models import Service
from publica.core import clock
from publica.exchange.models import AccessRecord, Consent

__all__ = ["consent_in_force", "consent_list"]


def consent_in_force(*, person: User, service: Service) -> Consent | None:
    """The newest consent `person` gave for `service` that is neither revoked nor expired."""
    return (
        Consent.objects.filter(
            person=person, service=service, revoked_at__isnull=True, expires_at__gt=clock.now()
        )
        .order_by("-granted_at")
        .first()
    )


def consent_list(*, person: User) -> QuerySet[Consent]:
    """Every consent `person` gave, newest first, those in force and those that ended."""
    return Consent.objects.filter(person=person).select_related("service").order_by("-granted_at")


# Access records: the resident's tracker and the auditor's list.

__all__ += ["access_audit_staff", "access_list_for_audit", "access_list_for_resident"]


#: Levels at which a resident may read what was done with their person number.
VERIFIED_LEVELS = (Identity.Level.SUBSTANTIAL, Identity.Level.HIGH)


def access_list_for_resident(*, person: User) -> QuerySet[AccessRecord]:
    """Every read of `person`'s data, newest first: those recorded against their account
    and those against their verified person number (a read about them in the registers)."""
    about = Q(subject=person)
    verified = Identity.objects.filter(user=person, level__in=VERIFIED_LEVELS)  # not low
    person_id = verified.values_list("person_id", flat=True).first()
    if person_id:
        about |= Q(subject_person_id=person_id)
    return AccessRecord.objects.filter(about).select_related("case").order_by("-at", "-pk")


def access_list_for_audit(
    *,
    without_open_case: bool = True,
    since: dt.datetime | None = None,
    before: dt.datetime | None = None,
    staff_member: User | None = None,
) -> QuerySet[AccessRecord]:
    """Staff reads of personal data, newest first, for the auditor: by default only those
    of someone with no open case; from `since`, before `before`, by one `staff_member`."""
    records = AccessRecord.objects.filter(actor_kind=AccessRecord.Actor.STAFF)
    if without_open_case:
        records = records.filter(without_open_case=True)
    if since is not None:
        records = records.filter(at__gte=since)
    if before is not None:
        records = records.filter(at__lt=before)
    if staff_member is not None:
        records = records.filter(actor=staff_member)
    return records.select_related("case", "subject").order_by("-at", "-pk")


def access_audit_staff() -> QuerySet[User]:
    """Everyone whose reads the auditor may look for: every account that is not a resident's,
    former staff included, by name."""
    people = User.objects.exclude(role=Role.RESIDENT).select_related("department")
    return people.order_by("first_name", "last_name", "pk")

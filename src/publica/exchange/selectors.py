"""Reads of the exchange: consents in force, a resident's access records, the auditor's list."""

from __future__ import annotations

from django.db.models import QuerySet

from publica.accounts.models import User
from publica.catalogue.models import Service
from publica.core import clock
from publica.exchange.models import Consent

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

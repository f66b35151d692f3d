"""Consents: a resident grants one for a service's purpose and revokes it whenever they like.

A consent names who receives the data, the purpose, the registers and data categories, and
an expiry. A revoked or expired consent stops the next query at once: queries look it up
each time, nothing caches it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction

from publica.accounts.models import User
from publica.accounts.selectors import organisation_get
from publica.catalogue.models import Service
from publica.core import clock
from publica.core.errors import FieldError, InvalidInput, NotFound, PermissionDenied
from publica.exchange import registers
from publica.exchange.models import Consent

__all__ = ["consent_grant", "consent_revoke"]


@transaction.atomic
def consent_grant(*, service: Service, actor: User) -> Consent:
    """The resident `actor` consents to the registers use their service file declares, for
    its purpose, until `consent_months` (default PUBLICA_EXCHANGE_CONSENT_MONTHS) pass."""
    if not actor.is_resident:
        raise PermissionDenied("only residents give consent for their own data")
    section = _section(service)
    if section.get("basis") != "consent":
        raise InvalidInput([FieldError("service", f"{service.title} does not ask for consent")])
    now = clock.now()
    months = int(section.get("consent_months") or settings.PUBLICA_EXCHANGE_CONSENT_MONTHS)
    uses = section["use"].values()
    names = sorted({use["register"] for use in uses})
    categories = [
        category
        for category in registers.CATEGORIES
        if any(
            category in registers.get(use["register"]).categories(use.get("fields")) for use in uses
        )
    ]
    organisation = organisation_get()
    return Consent.objects.create(
        person=actor,
        organisation=organisation.name if organisation else "This council",
        service=service,
        purpose=section["purpose"],
        registers=names,
        categories=categories,
        granted_at=now,
        expires_at=now + dt.timedelta(days=round(months * 365.25 / 12)),
    )


@transaction.atomic
def consent_revoke(*, consent_id: Any, actor: User) -> Consent:
    """Revoke one of `actor`'s consents; revoking twice keeps the first time."""
    consent = Consent.objects.select_for_update().filter(pk=consent_id, person=actor).first()
    if consent is None:
        raise NotFound("no such consent of yours")
    if consent.revoked_at is None:
        consent.revoked_at = clock.now()
        consent.save(update_fields=["revoked_at"])
    return consent


def _section(service: Service) -> dict[str, Any]:
    version = service.current_version
    section = version.definition.get("registers") if version else None
    if not section:
        raise InvalidInput([FieldError("service", f"{service.title} does not use registers")])
    return dict(section)

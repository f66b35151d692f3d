"""Reads of the catalogue that other apps may use."""

from __future__ import annotations

import re

from django.db.models import QuerySet

from publica.catalogue.models import Service, ServiceVersion
from publica.core import recent
from publica.core.errors import NotFound

__all__ = ["service_get", "service_list", "service_version_get"]


def service_list(*, include_inactive: bool = False) -> QuerySet[Service]:
    services = Service.objects.select_related("department", "current_version")
    if not include_inactive:
        services = services.filter(is_active=True, current_version__isnull=False)
    return services.order_by("group", "title")


_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,50}")


def service_get(*, slug: str) -> Service:
    """One active service, with its department and current version.

    Submissions call this on every request, so each process keeps the service row for a few
    seconds (`core.recent`), and reads and parses each immutable version once.
    """
    if not _SLUG.fullmatch(slug):
        raise NotFound(f"no service {slug!r}")
    service = recent.remembered(f"service:{slug}", lambda: _active_service(slug))
    if service is None:
        raise NotFound(f"no service {slug!r}")
    current = service.current_version
    key = (current.pk, current.checksum)  # type: ignore[union-attr]
    if key not in _VERSIONS:
        _VERSIONS[key] = ServiceVersion.objects.get(pk=current.pk)  # type: ignore[union-attr]
    service.current_version = _VERSIONS[key]
    return service


def _active_service(slug: str) -> Service | None:
    return (
        Service.objects.select_related("department", "current_version")
        .defer("current_version__definition")
        .filter(slug=slug, is_active=True, current_version__isnull=False)
        .first()
    )


def service_version_get(*, slug: str, number: int) -> ServiceVersion:
    """One version of a service, current or not: old cases and ledger entries name theirs."""
    found = ServiceVersion.objects.filter(service__slug=slug, number=number).first()
    if found is None:
        raise NotFound(f"no version {number} of service {slug!r}")
    return found


#: Parsed versions by (id, checksum): a version never changes, so this never goes stale.
_VERSIONS: dict[tuple[int, str], ServiceVersion] = {}

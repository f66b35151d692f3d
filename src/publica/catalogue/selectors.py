"""Reads of the catalogue that other apps may use."""

from __future__ import annotations

from django.db.models import QuerySet

from publica.catalogue import search
from publica.catalogue.models import Service, ServiceVersion
from publica.core.errors import NotFound

__all__ = ["service_get", "service_list", "service_search"]


def service_list(*, include_inactive: bool = False) -> QuerySet[Service]:
    services = Service.objects.select_related("department", "current_version")
    if not include_inactive:
        services = services.filter(is_active=True, current_version__isnull=False)
    return services.order_by("group", "title")


def service_get(*, slug: str) -> Service:
    """One active service, with its current version.

    A version is immutable (a change is a new version with a new id), so each process reads
    and parses a version's definition once: submissions do not re-read it every time.
    """
    service = (
        Service.objects.select_related("department", "current_version")
        .defer("current_version__definition")
        .filter(slug=slug, is_active=True, current_version__isnull=False)
        .first()
    )
    if service is None:
        raise NotFound(f"no service {slug!r}")
    current = service.current_version
    key = (current.pk, current.checksum)  # type: ignore[union-attr]
    if key not in _VERSIONS:
        _VERSIONS[key] = ServiceVersion.objects.get(pk=current.pk)  # type: ignore[union-attr]
    service.current_version = _VERSIONS[key]
    return service


#: Parsed versions by (id, checksum): a version never changes, so this never goes stale.
_VERSIONS: dict[tuple[int, str], ServiceVersion] = {}


def service_search(*, query: str) -> list[Service]:
    """Active services matching the resident's words, best match first."""
    services = {service.slug: service for service in service_list()}
    entries = [
        search.entry(slug, service.current_version.definition)  # type: ignore[union-attr]
        for slug, service in services.items()
    ]
    return [services[slug] for slug, _ in search.rank(query, entries)]

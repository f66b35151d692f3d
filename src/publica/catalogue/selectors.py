"""Reads of the catalogue that other apps may use."""

from __future__ import annotations

from django.db.models import QuerySet

from publica.catalogue import search
from publica.catalogue.models import Service
from publica.core.errors import NotFound

__all__ = ["service_get", "service_list", "service_search"]


def service_list(*, include_inactive: bool = False) -> QuerySet[Service]:
    services = Service.objects.select_related("department", "current_version")
    if not include_inactive:
        services = services.filter(is_active=True, current_version__isnull=False)
    return services.order_by("group", "title")


def service_get(*, slug: str) -> Service:
    service = service_list().filter(slug=slug).first()
    if service is None:
        raise NotFound(f"no service {slug!r}")
    return service


def service_search(*, query: str) -> list[Service]:
    """Active services matching the resident's words, best match first."""
    services = {service.slug: service for service in service_list()}
    entries = [
        search.entry(slug, service.current_version.definition)  # type: ignore[union-attr]
        for slug, service in services.items()
    ]
    return [services[slug] for slug, _ in search.rank(query, entries)]

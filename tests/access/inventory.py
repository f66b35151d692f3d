"""Every URL the project answers: Django's URL names, and each operation of the ninja API."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import URLPattern, URLResolver, get_resolver

#: Only the admin's front door is in the table; its model pages are Django's own.
ADMIN_KEPT = {"admin:index", "admin:login"}
#: The ninja API's views, covered operation by operation from its OpenAPI document.
NINJA_NAMESPACE = "api-v1"
NINJA_PAGES = {"api-v1:openapi-json", "api-v1:openapi-view", "api-v1:api-root"}


def url_names() -> set[str]:
    """`namespace:name` of every URL pattern (and the route of any pattern without a name)."""
    found: set[str] = set()
    for name, route in _walk(get_resolver().url_patterns, "", ""):
        if name.startswith("admin:") and name not in ADMIN_KEPT:
            continue
        if name.startswith(f"{NINJA_NAMESPACE}:") and name not in NINJA_PAGES:
            continue
        found.add(name or f"unnamed: {route}")
    return found


def ninja_operations() -> set[str]:
    """`METHOD /api/v1/path` of every operation the REST API documents."""
    from publica.api.api import api

    schema = api.get_openapi_schema()
    return {
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method in operations
    }


def every_key() -> set[str]:
    return url_names() | ninja_operations()


def _walk(patterns: list, prefix: str, namespace: str) -> Iterator[tuple[str, str]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = pattern.name or ""
            if name and namespace:
                name = f"{namespace}:{name}"
            route = prefix + str(pattern.pattern)
            if not name and route.startswith("admin/"):
                continue  # the admin's unnamed model pages
            yield name, route

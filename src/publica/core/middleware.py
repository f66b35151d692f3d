"""The outermost middleware: gives each request an id (the X-Request-ID header, and on every
log line written while it is served), counts and times it for /metrics, and writes one
access-log line for it; it answers the probes (/healthz, /readyz, /metrics) itself.

The probes are answered before any other middleware runs: a load balancer asks by IP address
(not a host name ALLOWED_HOSTS knows) and over plain HTTP (no HTTPS redirect), and a
liveness answer must not wait on sessions or the database.

The access line has the route's name, never the path or the query string, which can hold a
reference, an e-mail address or a token; the client's address only with PUBLICA_LOG_CLIENT_IP.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse
from django.urls import get_resolver

from publica.core import health, logs, metrics

__all__ = ["RequestObservationMiddleware"]

access_log = logging.getLogger("publica.access")

PROBES: dict[str, tuple[str, Callable[[HttpRequest], HttpResponse]]] = {
    "/healthz": ("health", health.healthz),
    "/readyz": ("ready", health.readyz),
    "/metrics": ("metrics", metrics.metrics),
}
_GIVEN_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def _request_id(request: HttpRequest) -> str:
    """The id a proxy in front gave the request (nginx's $request_id), or a new one."""
    given = request.META.get("HTTP_X_REQUEST_ID", "")
    if _GIVEN_ID.fullmatch(given) and logs.redact(given) == given:
        return str(given)
    return uuid.uuid4().hex


def _route(request: HttpRequest) -> str:
    """The matched URL pattern's name ("portal:case-detail"), or what kind of unmatched."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return str(match.view_name)
    if request.path_info.startswith("/" + str(settings.STATIC_URL).lstrip("/")):
        return "static"
    return "unmatched"


def _forget_request_id(**kwargs: object) -> None:
    """The response is closed: lines this thread logs from now on belong to no request."""
    logs.request_id.set("")


class RequestObservationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        request_finished.connect(_forget_request_id, dispatch_uid="publica-request-id")
        # Import every URL pattern (and so every view) now, as a web worker boots: the probes
        # never resolve a URL, so otherwise the first resident after /healthz said "ok" would
        # wait seconds for it.
        get_resolver().url_patterns  # noqa: B018

    def __call__(self, request: HttpRequest) -> HttpResponse:
        began = time.perf_counter()
        request_id = _request_id(request)
        # Kept until the response is closed: Django logs a 4xx or 5xx after the middleware
        # has returned, and that line should carry the id too.
        logs.request_id.set(request_id)
        probe = PROBES.get(request.path_info)
        quiet = probe is not None and request.method in ("GET", "HEAD")
        if probe is not None and quiet:
            route, view = probe
            response = view(request)
        else:
            response = self.get_response(request)
            route = _route(request)
        seconds = time.perf_counter() - began
        response["X-Request-ID"] = request_id
        method = request.method if request.method in metrics.METHODS else "other"
        metrics.request_observed(
            method=method, route=route, status=response.status_code, seconds=seconds
        )
        self._log(request, method, route, response.status_code, seconds, quiet=quiet)
        return response

    @staticmethod
    def _log(
        request: HttpRequest, method: str, route: str, status: int, seconds: float, quiet: bool
    ) -> None:
        duration_ms = round(seconds * 1000, 1)
        fields: dict[str, object] = {
            "method": method,
            "route": route,
            "status": status,
            "duration_ms": duration_ms,
        }
        if settings.PUBLICA_LOG_CLIENT_IP:
            fields["client_ip"] = request.META.get("REMOTE_ADDR", "")
        # Probes come every few seconds from the load balancer: at DEBUG, they stay out of
        # the way unless asked for.
        access_log.log(
            logging.DEBUG if quiet else logging.INFO,
            "%s %s %s %s ms",
            method,
            route,
            status,
            duration_ms,
            extra=fields,
        )

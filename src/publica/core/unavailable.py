"""The answer to a request the database could not serve (restarting, unreachable): 503 with
Retry-After, which clients and load balancers retry, instead of a 500 that means a bug."""

from __future__ import annotations

import sys

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

__all__ = ["RETRY_AFTER_SECONDS", "server_error"]

RETRY_AFTER_SECONDS = 5
MESSAGE = "The service is unavailable for a moment. Please try again in a few seconds."


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's handler500: called while the uncaught exception is being handled."""
    if not isinstance(sys.exc_info()[1], OperationalError):
        return defaults.server_error(request)
    response: HttpResponse
    if request.path.startswith(("/api/", "/open311/", "/sta/")):
        body = {"type": "about:blank", "title": "Service unavailable", "status": 503,
                "detail": MESSAGE, "instance": request.path}  # fmt: skip
        response = JsonResponse(body, status=503, content_type="application/problem+json")
    else:
        response = HttpResponse(MESSAGE, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response

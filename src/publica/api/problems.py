"""RFC 9457 problem details: every API error is `application/problem+json` naming the field."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from publica.core.errors import (
    FieldError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    PublicaError,
    StaleUpdate,
    TransitionNotAllowed,
)

__all__ = ["ApiProblem", "problem", "problem_for"]

TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict with the case's state",
    412: "Precondition failed",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Invalid input",
    428: "Precondition required",
    429: "Too many requests",
}


class ApiProblem(Exception):
    """An HTTP problem raised from inside the API (authentication, scopes, rate limits)."""

    def __init__(self, status: int, detail: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}


def problem(
    request: HttpRequest,
    status: int,
    detail: str,
    *,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": request.path,
    }
    if errors:
        body["errors"] = [{"field": e.field, "message": e.message} for e in errors]
    response = JsonResponse(body, status=status, content_type="application/problem+json")
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def problem_for(request: HttpRequest, exc: PublicaError) -> HttpResponse:
    """The status each case-service error means in HTTP."""
    if isinstance(exc, InvalidInput):
        detail = "; ".join(f"{e.field or 'body'}: {e.message}" for e in exc.errors)
        return problem(request, 422, detail, errors=exc.errors)
    if isinstance(exc, NotFound):
        return problem(request, 404, str(exc))
    if isinstance(exc, PermissionDenied):
        return problem(request, 403, str(exc))
    if isinstance(exc, StaleUpdate):
        return problem(request, 412, str(exc))
    if isinstance(exc, TransitionNotAllowed):
        return problem(request, 409, str(exc))
    return problem(request, 400, str(exc))
